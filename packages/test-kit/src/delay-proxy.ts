// Latency injection for the bench: proxies that hold each request for `latencyMs` before
// passing it on, so every round trip to a real server (nsd, the sig-server) costs that much.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createConnection, createServer, type Socket } from 'node:net';
import { freePort } from './free-port.js';

export interface RunningProxy {
  port: number;
  close(): Promise<void>;
}

/** TCP: each chunk from the client is delayed (one HTTP request ≈ one chunk ≈ one round trip). */
export async function startTcpDelayProxy(
  target: { host: string; port: number },
  latencyMs: number,
  port = 0,
): Promise<RunningProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => setTimeout(() => upstream.write(chunk), latencyMs));
    client.on('end', () => setTimeout(() => upstream.end(), latencyMs));
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** DNS over UDP and TCP on one port, each query delayed before it reaches the server. */
export async function startDnsDelayProxy(
  server: { host: string; port: number },
  latencyMs: number,
): Promise<RunningProxy> {
  const port = await freePort({ udp: true });
  const tcp = await startTcpDelayProxy(server, latencyMs, port);
  const udp = createSocket('udp4');
  const upstreams = new Set<UdpSocket>();
  udp.on('message', (msg, rinfo) => {
    setTimeout(() => {
      const up = createSocket('udp4');
      upstreams.add(up);
      const done = () => {
        upstreams.delete(up);
        up.close();
      };
      up.on('message', (answer) => {
        udp.send(answer, rinfo.port, rinfo.address);
        done();
      });
      up.on('error', done);
      up.send(msg, server.port, server.host);
      setTimeout(() => upstreams.has(up) && done(), 5_000).unref();
    }, latencyMs);
  });
  await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
  return {
    port,
    async close() {
      for (const up of upstreams) up.close();
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await tcp.close();
    },
  };
}
