// The HTTP plumbing shared by the service stand-ins: a loopback server with an optional
// per-request delay (the bench's simulated round-trip latency) and JSON helpers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface RunningHttp {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Delay before each response is started, in ms (0 by default). */
  latencyMs: number;
  /** Requests seen, as 'METHOD path' (tests assert what was and was not fetched). */
  requests: string[];
  close(): Promise<void>;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
) => void | Promise<void>;

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  type = 'application/json; charset=utf-8',
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 1 << 20) throw new Error('request body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHttp(
  handler: Handler,
  opts: { latencyMs?: number } = {},
): Promise<RunningHttp> {
  const sockets = new Set<import('node:net').Socket>();
  const state = { latencyMs: opts.latencyMs ?? 0, requests: [] as string[] };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://standin.invalid');
    // The services stood in for answer browsers' CORS (GitHub REST:
    // https://docs.github.com/en/rest/using-the-rest-api/using-cors-and-jsonp-to-make-cross-origin-requests;
    // Mastodon's API: https://docs.joinmastodon.org/spec/oauth/#cors), so a web page can ask.
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader(
      'access-control-expose-headers',
      'etag, link, retry-after, x-ratelimit-remaining',
    );
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, PATCH, PUT, DELETE',
        'access-control-allow-headers': 'accept, authorization, content-type, x-github-api-version',
        'access-control-max-age': '86400',
      });
      return void res.end();
    }
    state.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const run = async () => {
      const body = await readBody(req);
      if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
      await handler(req, res, url, body);
    };
    run().catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: String(e) });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  }) as RunningHttp;
}

/** Misbehaviours a stand-in can be told to show for one resource. */
export type HostileMode = 'redirect-metadata' | 'huge' | 'hang';

const HUGE_BYTES = 50 * 1024 * 1024;

/**
 * Answers with a hostile behaviour: a redirect to the cloud metadata address, a 50 MB body
 * (streamed without Content-Length; `sent.bytes` counts what was written), or no answer at all.
 */
export function respondHostile(
  res: ServerResponse,
  mode: HostileMode,
  sent: { bytes: number },
  type = 'text/plain; charset=utf-8',
): void {
  if (mode === 'hang') return;
  if (mode === 'redirect-metadata') {
    res.writeHead(302, {
      location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    });
    return void res.end();
  }
  res.writeHead(200, { 'content-type': type });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const pump = () => {
    while (sent.bytes < HUGE_BYTES && !res.destroyed) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}
