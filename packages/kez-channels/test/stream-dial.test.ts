// The TCP/TLS stream seam (stream-dial.ts) against real local servers: the address policy,
// the byte cap, the deadline, abort, direct TLS and STARTTLS with certificate checks.
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KezError, utf8Decode } from '@kez/core';
import { type SelfSignedCert, selfSignedCert } from '@kez/test-kit/tls-cert';
import type { ChannelsConfigInput, StreamSocket } from '../src/index.js';
import { kezError, loopbackEnv } from './helpers.js';

let cert: SelfSignedCert;
let other: SelfSignedCert;
const servers: Server[] = [];

async function serve(onConn: (s: Socket) => void, tls = false): Promise<number> {
  const server = tls
    ? createTlsServer({ cert: cert.cert, key: cert.key }, onConn)
    : createServer(onConn);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

/** A line server: answers `STARTTLS` with `OK` and upgrades; echoes every other line as `echo:…`. */
function lineServer(s: Socket): void {
  let buf = '';
  const onData = (chunk: Buffer) => {
    buf += chunk.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line === 'STARTTLS') {
        s.off('data', onData);
        s.write('OK\n');
        const t = new TLSSocket(s, { isServer: true, cert: cert.cert, key: cert.key });
        t.on('error', () => {});
        lineServer(t);
        return;
      }
      s.write(`echo:${line}${s instanceof TLSSocket ? ':tls' : ''}\n`);
    }
  };
  s.on('data', onData);
  s.on('error', () => {});
}

function env(port: number, input: ChannelsConfigInput = {}) {
  return loopbackEnv({
    hostMap: { 'a.test': `http://127.0.0.1:${port}` },
    tlsCa: [cert.cert],
    timeouts: { totalMs: 2_000, connectMs: 1_000, dnsMs: 1_000 },
    ...input,
  });
}

/** Reads until `want` appears in the text, or the stream ends (rejecting with its error). */
function reader(sock: StreamSocket) {
  let text = '';
  let waiting: { want: string; res: (t: string) => void; rej: (e: KezError) => void } | undefined;
  let ended: KezError | undefined;
  const check = () => {
    if (!waiting) return;
    if (text.includes(waiting.want)) waiting.res(text);
    else if (ended) waiting.rej(ended);
    else return;
    waiting = undefined;
  };
  sock.listen(
    (chunk) => {
      text += utf8Decode(chunk);
      check();
    },
    (e) => {
      ended = e;
      check();
    },
  );
  return {
    until: (want: string) =>
      new Promise<string>((res, rej) => {
        waiting = { want, res, rej };
        check();
      }),
    ended: () => ended,
  };
}

beforeAll(async () => {
  [cert, other] = await Promise.all([
    selfSignedCert(['a.test', 'b.test']),
    selfSignedCert(['a.test']),
  ]);
});
afterAll(async () => {
  for (const s of servers) s.close();
});

describe('dialStream (node)', () => {
  it('reads and writes plain TCP; bytes sent before listen() are kept', async () => {
    const port = await serve((s) => {
      s.write('hello\n');
      lineServer(s);
    });
    const e = env(port);
    const sock = await e.dialStream!('a.test', 5222, { maxBytes: 1_000 }, e);
    await new Promise((r) => setTimeout(r, 50));
    const r = reader(sock);
    expect(await r.until('hello\n')).toBe('hello\n');
    sock.write('ping\n');
    expect(await r.until('echo:ping\n')).toBe('hello\necho:ping\n');
    sock.close();
    expect(r.ended()?.code).toBe('network');
  });

  it('ends with too_large once the connection has read more than maxBytes', async () => {
    const port = await serve((s) => {
      s.write('x'.repeat(600));
      setTimeout(() => s.write('y'.repeat(600)), 20);
    });
    const e = env(port);
    const sock = await e.dialStream!('a.test', 5222, { maxBytes: 1_000 }, e);
    const r = reader(sock);
    const err = await r.until('never').catch((x: KezError) => x);
    expect((err as KezError).code).toBe('too_large');
  });

  it("ends with timeout when a silent server outlasts the connection's deadline", async () => {
    const port = await serve(() => {});
    const e = env(port, { timeouts: { totalMs: 300, connectMs: 200, dnsMs: 200 } });
    const t0 = Date.now();
    const sock = await e.dialStream!('a.test', 5222, { maxBytes: 1_000 }, e);
    const err = await reader(sock)
      .until('never')
      .catch((x: KezError) => x);
    expect((err as KezError).code).toBe('timeout');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('ends with timeout when the caller aborts, and refuses to dial once aborted', async () => {
    const port = await serve(() => {});
    const ac = new AbortController();
    const e = { ...env(port), signal: ac.signal };
    const sock = await e.dialStream!('a.test', 5222, { maxBytes: 1_000 }, e);
    const r = reader(sock);
    ac.abort();
    expect(((await r.until('never').catch((x) => x)) as KezError).code).toBe('timeout');
    expect((await kezError(e.dialStream!('a.test', 5222, { maxBytes: 1_000 }, e))).code).toBe(
      'timeout',
    );
  });

  it('refuses loopback targets unless the config allows them: literal, resolved name, hostMap', async () => {
    const port = await serve(lineServer);
    const strict = env(port, { allowLoopback: false });
    const viaMap = await kezError(strict.dialStream!('a.test', 5222, { maxBytes: 1_000 }, strict));
    expect(viaMap.code).toBe('blocked_address');
    const literal = await kezError(
      strict.dialStream!('127.0.0.1', port, { maxBytes: 1_000 }, strict),
    );
    expect(literal.code).toBe('blocked_address');
    // A name that resolves to loopback is refused by the guarded lookup.
    const named = await kezError(
      strict.dialStream!('localhost', port, { maxBytes: 1_000 }, strict),
    );
    expect(named.code).toBe('blocked_address');
    const meta = await kezError(
      strict.dialStream!('169.254.169.254', 80, { maxBytes: 1_000 }, strict),
    );
    expect(meta.code).toBe('blocked_address');
  });

  it('maps a refused connection to network and a bad host or port to malformed', async () => {
    const port = await serve(() => {});
    const closed = servers.pop()!;
    await new Promise((r) => closed.close(r));
    const e = env(port);
    expect((await kezError(e.dialStream!('a.test', 5222, { maxBytes: 1_000 }, e))).code).toBe(
      'network',
    );
    expect((await kezError(e.dialStream!('a test', 5222, { maxBytes: 1_000 }, e))).code).toBe(
      'malformed',
    );
    expect((await kezError(e.dialStream!('a.test', 70_000, { maxBytes: 1_000 }, e))).code).toBe(
      'malformed',
    );
  });

  it('speaks TLS from the first byte, checking the certificate against the trusted roots', async () => {
    const port = await serve(lineServer, true);
    const e = env(port);
    const sock = await e.dialStream!('a.test', 5223, { tls: true, maxBytes: 1_000 }, e);
    const r = reader(sock);
    sock.write('ping\n');
    expect(await r.until('echo:ping:tls\n')).toBe('echo:ping:tls\n');
    sock.close();
    // The same self-signed server, not trusted: refused.
    const untrusted = env(port, { tlsCa: [other.cert] });
    expect(
      (
        await kezError(
          untrusted.dialStream!('a.test', 5223, { tls: true, maxBytes: 1_000 }, untrusted),
        )
      ).code,
    ).toBe('network');
  });

  it('upgrades in place with STARTTLS, verifying the name asked for', async () => {
    const port = await serve(lineServer);
    const e = env(port);
    const sock = await e.dialStream!('a.test', 5222, { maxBytes: 10_000 }, e);
    const r = reader(sock);
    sock.write('STARTTLS\n');
    await r.until('OK\n');
    await sock.startTls('b.test');
    sock.write('ping\n');
    expect(await r.until('echo:ping:tls\n')).toBe('OK\necho:ping:tls\n');
    sock.close();

    // A certificate not issued for the name: the upgrade fails, and the stream ends with it.
    const wrong = await e.dialStream!('a.test', 5222, { maxBytes: 10_000 }, e);
    const w = reader(wrong);
    wrong.write('STARTTLS\n');
    await w.until('OK\n');
    const err = await kezError(wrong.startTls('c.test'));
    expect(err.code).toBe('network');
    expect(err.message).toMatch(/TLS with c\.test failed/);
    expect(w.ended()?.code).toBe('network');
  });

  it('ends a STARTTLS handshake the server never answers at the deadline', async () => {
    const port = await serve((s) => {
      s.once('data', () => s.write('OK\n'));
    });
    const e = env(port, { timeouts: { totalMs: 400, connectMs: 200, dnsMs: 200 } });
    const sock = await e.dialStream!('a.test', 5222, { maxBytes: 10_000 }, e);
    const r = reader(sock);
    sock.write('STARTTLS\n');
    await r.until('OK\n');
    expect((await kezError(sock.startTls('a.test'))).code).toBe('timeout');
  });
});
