// A static file server on loopback for the bundled page; it records what was requested so the
// test can check that the zstd .wasm asset was really fetched.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};

export interface Served {
  path: string;
  status: number;
  type?: string;
}
export interface StaticServer {
  url: string;
  served: Served[];
  close(): Promise<void>;
}

export async function serveDir(dir: string): Promise<StaticServer> {
  const served: Served[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = normalize(join(dir, path === '/' ? 'index.html' : decodeURIComponent(path)));
    const type = TYPES[extname(file)];
    let body: Buffer | undefined;
    if (file.startsWith(dir + sep) && type) body = await readFile(file).catch(() => undefined);
    served.push({ path, status: body ? 200 : 404, ...(body && type ? { type } : {}) });
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': type!, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
