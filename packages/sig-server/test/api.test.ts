// The HTTP API against a real server on loopback, once per storage backend.
import {
  bip340,
  commitment,
  createGenesis,
  exportBundle,
  objectHash,
  signObject,
  signerFromSecret,
  verifyChain,
  type ChainEvent,
} from '@kez/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startTestServer, type TestServer } from './helpers/backends.js';
import { TestChain, newSigner, now } from '@kez/test-kit/chain-builder';
import { call, chainPath, postEvent, readForks } from './helpers/http.js';

describe.each(BACKENDS)('sig-server API on %s', (backend) => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer(backend);
  });
  afterAll(async () => {
    await srv?.cleanup();
  });

  async function publish(chain: TestChain): Promise<void> {
    for (const ev of chain.events) {
      const r = await postEvent(srv.url, chain.identity, ev);
      expect([200, 201]).toContain(r.status);
    }
  }

  it('appends a genesis and events, then serves the exact SPEC §6.5 bundle with a strong ETag', async () => {
    const chain = new TestChain(newSigner());
    const g = await postEvent(srv.url, chain.identity, chain.events[0]!);
    expect(g.status).toBe(201);
    expect(g.json).toEqual({ seq: 0, hash: objectHash(chain.events[0]!) });
    for (let i = 0; i < 3; i++) {
      const ev = chain.push(chain.addEvent());
      const r = await postEvent(srv.url, chain.identity, ev);
      expect(r.status).toBe(201);
      expect(r.json).toEqual({ seq: i + 1, hash: objectHash(ev) });
    }
    const read = await call(chainPath(srv.url, chain.identity));
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(read.text).toBe(exportBundle(chain.events));
    expect(read.headers.get('etag')).toBe(`"${objectHash(chain.head)}"`);
    expect(read.headers.get('kez-fork')).toBeNull();
    const verdict = verifyChain(read.text, { now: now() });
    expect(verdict.status).toBe('valid');
    expect(verdict.state?.head.seq).toBe(3);

    const head = await call(chainPath(srv.url, chain.identity, '/head'));
    expect(head.json).toEqual({
      identity: chain.identity,
      seq: 3,
      hash: objectHash(chain.head),
      fork: false,
    });
  });

  it('stores a chain whose keys are BIP-340 (nostr) keys, with an Ed25519 device', async () => {
    const chain = new TestChain(signerFromSecret('bip340', bip340.generateSecret()));
    const device = newSigner();
    chain.add();
    chain.push(chain.addDeviceEvent(device));
    chain.push(chain.addEvent(device));
    await publish(chain);
    const read = await call(chainPath(srv.url, chain.identity));
    expect(read.text).toBe(exportBundle(chain.events));
    expect(verifyChain(read.text, { now: now() }).status).toBe('valid');
    const forged = chain.addEvent(newSigner());
    const r = await postEvent(srv.url, chain.identity, forged);
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe('not_authorized');
  });

  it('honours If-None-Match (304) until the head moves', async () => {
    const chain = new TestChain(newSigner());
    chain.add();
    await publish(chain);
    const first = await call(chainPath(srv.url, chain.identity));
    const etag = first.headers.get('etag')!;
    const again = await call(chainPath(srv.url, chain.identity), {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    const weak = await call(chainPath(srv.url, chain.identity), {
      headers: { 'if-none-match': `"x", W/${etag}` },
    });
    expect(weak.status).toBe(304);

    const ev = chain.push(chain.addEvent());
    expect((await postEvent(srv.url, chain.identity, ev)).status).toBe(201);
    const moved = await call(chainPath(srv.url, chain.identity), {
      headers: { 'if-none-match': etag },
    });
    expect(moved.status).toBe(200);
    expect(moved.text).toBe(exportBundle(chain.events));
    expect(moved.headers.get('etag')).toBe(`"${objectHash(ev)}"`);
  });

  it('serves ?since=N as the events with seq >= N, and validates it', async () => {
    const chain = new TestChain(newSigner());
    for (let i = 0; i < 4; i++) chain.add();
    await publish(chain);
    const part = await call(chainPath(srv.url, chain.identity, '?since=2'));
    expect(part.status).toBe(200);
    expect(part.text).toBe(exportBundle(chain.events.slice(2)));
    expect(part.headers.get('etag')).toBe(`"${objectHash(chain.head)}"`);
    const beyond = await call(chainPath(srv.url, chain.identity, '?since=99'));
    expect(beyond.status).toBe(200);
    expect(beyond.text).toBe('');
    for (const bad of ['-1', '1.5', 'abc', '01', '99999999999999999', '']) {
      const r = await call(chainPath(srv.url, chain.identity, `?since=${bad}`));
      expect(r.status, `since=${bad}`).toBe(400);
      expect(r.json.error.code).toBe('bad_request');
    }
    const twice = await call(chainPath(srv.url, chain.identity, '?since=1&since=2'));
    expect(twice.status).toBe(400);
  });

  it('answers 404 no_chain for an unknown identity, and 400 for a malformed one', async () => {
    const unknown = `kez:id:${'ab'.repeat(32)}`;
    for (const suffix of ['', '/head', '/forks']) {
      const r = await call(chainPath(srv.url, unknown, suffix));
      expect(r.status).toBe(404);
      expect(r.json.error.code).toBe('no_chain');
    }
    for (const bad of [
      `kez:id:AB${'ab'.repeat(31)}`,
      'kez:id:abc',
      'github:jason',
      `kez:id:${'ab'.repeat(32)}0`,
    ]) {
      const r = await call(chainPath(srv.url, bad));
      expect(r.status, bad).toBe(400);
      expect(r.json.error.code).toBe('bad_request');
    }
  });

  it('repeating a stored event is idempotent (200) and stores nothing new', async () => {
    const chain = new TestChain(newSigner());
    chain.add();
    await publish(chain);
    for (const ev of chain.events) {
      const r = await postEvent(srv.url, chain.identity, ev);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ seq: ev.seq, hash: objectHash(ev) });
    }
    const read = await call(chainPath(srv.url, chain.identity));
    expect(read.text).toBe(exportBundle(chain.events));
    const forks = await call(chainPath(srv.url, chain.identity, '/forks'));
    expect(forks.text).toBe('');
  });

  it('refuses a gap (seq > head + 1) with 409 bad_link and a wrong genesis identity', async () => {
    const chain = new TestChain(newSigner());
    await publish(chain);
    chain.add();
    const ahead = chain.push(chain.addEvent());
    const r = await postEvent(srv.url, chain.identity, ahead);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('bad_link');

    const other = new TestChain(newSigner());
    const wrong = await postEvent(srv.url, chain.identity, other.events[0]!);
    expect(wrong.status).toBe(422);
    expect(wrong.json.error.code).toBe('identity_mismatch');
    // An event of another chain is refused on this one, too.
    other.add();
    await publish(other);
    const cross = await postEvent(srv.url, chain.identity, other.events[1]!);
    expect(cross.status).toBe(422);
    expect(cross.json.error.code).toBe('identity_mismatch');
    // A non-genesis event for a chain the server does not have.
    const orphan = new TestChain(newSigner());
    const r2 = await postEvent(srv.url, orphan.identity, orphan.push(orphan.addEvent()));
    expect(r2.status).toBe(409);
    expect(r2.json.error.code).toBe('bad_link');
  });

  it('refuses an event whose prev is not the head (422 bad_link)', async () => {
    const chain = new TestChain(newSigner());
    chain.add();
    await publish(chain);
    // Correctly signed, right seq, but prev names seq 0 instead of the head.
    const { sig: _sig, ...unsigned } = chain.addEvent();
    const wrongPrev = signObject<ChainEvent>(
      { ...unsigned, prev: objectHash(chain.events[0]!) },
      chain.primary,
    );
    const r = await postEvent(srv.url, chain.identity, wrongPrev);
    expect(r.status).toBe(422);
    expect(r.json.error.code).toBe('bad_link');
    const head = await call(chainPath(srv.url, chain.identity, '/head'));
    expect(head.json.seq).toBe(1);
  });

  describe('authority (the signature is the authorization)', () => {
    it('accepts an add signed by an active device', async () => {
      const chain = new TestChain(newSigner());
      const device = newSigner();
      chain.push(chain.addDeviceEvent(device));
      await publish(chain);
      const ev = chain.addEvent(device);
      const r = await postEvent(srv.url, chain.identity, ev);
      expect(r.status).toBe(201);
    });

    it('refuses a rotate signed by a device (not_authorized)', async () => {
      const chain = new TestChain(newSigner());
      const device = newSigner();
      chain.push(chain.addDeviceEvent(device));
      await publish(chain);
      const ev = chain.rotateEvent(newSigner(), device);
      const r = await postEvent(srv.url, chain.identity, ev);
      expect(r.status).toBe(422);
      expect(r.json.error.code).toBe('not_authorized');
      const head = await call(chainPath(srv.url, chain.identity, '/head'));
      expect(head.json.seq).toBe(1);
    });

    it('refuses an add signed by a rotated-away key (not_authorized)', async () => {
      const chain = new TestChain(newSigner());
      const old = chain.primary;
      const fresh = newSigner();
      chain.push(chain.rotateEvent(fresh));
      chain.primary = fresh;
      await publish(chain);
      const r = await postEvent(srv.url, chain.identity, chain.addEvent(old));
      expect(r.status).toBe(422);
      expect(r.json.error.code).toBe('not_authorized');
      const ok = await postEvent(srv.url, chain.identity, chain.addEvent(fresh));
      expect(ok.status).toBe(201);
    });

    it('enforces pre-rotation: only the committed key can become primary (precommit_mismatch)', async () => {
      const primary = newSigner();
      const committed = newSigner();
      const chain = new TestChain(primary, [
        createGenesis({ created_at: now(), next: commitment(committed.keyId) }, primary),
      ]);
      await publish(chain);
      const thief = newSigner();
      const r = await postEvent(srv.url, chain.identity, chain.rotateEvent(thief));
      expect(r.status).toBe(422);
      expect(r.json.error.code).toBe('precommit_mismatch');
      const ok = await postEvent(srv.url, chain.identity, chain.rotateEvent(committed));
      expect(ok.status).toBe(201);
    });

    it('refuses an add signed by a revoked device and by a stranger', async () => {
      const chain = new TestChain(newSigner());
      const device = newSigner();
      chain.push(chain.addDeviceEvent(device));
      chain.push(chain.revokeDeviceEvent(device));
      await publish(chain);
      for (const signer of [device, newSigner()]) {
        const r = await postEvent(srv.url, chain.identity, chain.addEvent(signer));
        expect(r.status).toBe(422);
        expect(r.json.error.code).toBe('not_authorized');
      }
    });
  });

  describe('races and forks', () => {
    it('N concurrent different appends for one position: exactly one 201, the rest 409 fork evidence', async () => {
      const chain = new TestChain(newSigner());
      chain.add();
      await publish(chain);
      const N = 16;
      const candidates = Array.from({ length: N }, () => chain.addEvent());
      const answers = await Promise.all(
        candidates.map((ev) => postEvent(srv.url, chain.identity, ev)),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(N - 1);
      for (const a of answers.filter((x) => x.status === 409))
        expect(a.json.error.code).toBe('fork');
      const winner = candidates[statuses.indexOf(201)]!;

      const read = await call(chainPath(srv.url, chain.identity));
      expect(read.headers.get('kez-fork')).toBe('true');
      chain.push(winner);
      expect(read.text).toBe(exportBundle(chain.events));
      expect(verifyChain(read.text, { now: now() }).status).toBe('valid');

      // Evidence is bounded per position (LIMITS.forksPerPosition = 3): the rest is counted.
      const forks = await readForks(srv.url, chain.identity);
      const losers = candidates.filter((c) => c !== winner);
      expect(forks).toMatchObject({ stored: 3, dropped: N - 1 - 3 });
      expect(forks.events).toHaveLength(3);
      for (const ev of forks.events) expect(losers.map(objectHash)).toContain(objectHash(ev));
      const kept = answers.filter((a) => a.status === 409 && a.json.error.evidence === 'stored');
      expect(kept.map((a) => a.json.error.hash).sort()).toEqual(
        forks.events.map((e) => objectHash(e)).sort(),
      );
      // SPEC §6.5 keeps at most 4 events at one seq: the winner and the 3 stored losers.
      const withEvidence = verifyChain(exportBundle([...chain.events, ...forks.events]), {
        now: now(),
      });
      expect(withEvidence.status).toBe('fork');
      const head = await call(chainPath(srv.url, chain.identity, '/head'));
      expect(head.json).toMatchObject({ seq: 2, hash: objectHash(winner), fork: true });
    });

    it('N concurrent copies of one event: one 201, the rest 200', async () => {
      const chain = new TestChain(newSigner());
      await publish(chain);
      const ev = chain.addEvent();
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => postEvent(srv.url, chain.identity, ev)),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      const forks = await call(chainPath(srv.url, chain.identity, '/forks'));
      expect(forks.text).toBe('');
    });

    it('a valid conflicting event for an old position is kept as fork evidence; an invalid one is not', async () => {
      const chain = new TestChain(newSigner());
      chain.add();
      const alternative = chain.addEvent(); // another valid seq-2 event
      chain.add();
      chain.add();
      await publish(chain);
      const r = await postEvent(srv.url, chain.identity, alternative);
      expect(r.status).toBe(409);
      expect(r.json.error).toMatchObject({
        code: 'fork',
        seq: 2,
        hash: objectHash(alternative),
        existing: objectHash(chain.events[2]!),
      });
      const again = await postEvent(srv.url, chain.identity, alternative);
      expect(again.status).toBe(409);

      const forged = { ...chain.addEvent(), seq: 1, prev: objectHash(chain.events[0]!) };
      const bad = await postEvent(srv.url, chain.identity, forged);
      expect(bad.status).toBe(422);
      expect(bad.json.error.code).toBe('bad_signature');

      const forks = await call(chainPath(srv.url, chain.identity, '/forks'));
      expect(forks.text).toBe(exportBundle([alternative]));
      const head = await call(chainPath(srv.url, chain.identity, '/head'));
      expect(head.json).toEqual({
        identity: chain.identity,
        seq: 3,
        hash: objectHash(chain.head),
        fork: true,
      });
      const read = await call(chainPath(srv.url, chain.identity));
      expect(read.headers.get('kez-fork')).toBe('true');
      expect(read.text).toBe(exportBundle(chain.events));
      // A client that merges the evidence sees the fork (SPEC §6.5).
      const merged = verifyChain(exportBundle([...chain.events, alternative]), { now: now() });
      expect(merged.status).toBe('fork');
    });
  });

  it('describes itself (OpenAPI 3.1), reports health, readiness and metrics', async () => {
    const doc = await call(`${srv.url}/v1/openapi.json`);
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toBe('3.1.0');
    expect(Object.keys(doc.json.paths)).toEqual(
      expect.arrayContaining([
        '/v1/chains/{identity}',
        '/v1/chains/{identity}/head',
        '/v1/chains/{identity}/events',
        '/v1/chains/{identity}/forks',
      ]),
    );
    // Every documented operation is a real route; the documented surface is exactly the v1 API.
    const documented: string[] = [];
    for (const [path, ops] of Object.entries(
      doc.json.paths as Record<string, Record<string, unknown>>,
    )) {
      for (const method of Object.keys(ops)) {
        const url = path.replace(/\{(\w+)\}/g, ':$1');
        expect(
          srv.app.hasRoute({ method: method.toUpperCase() as 'GET', url }),
          `${method} ${url}`,
        ).toBe(true);
        documented.push(`${method.toUpperCase()} ${url}`);
      }
    }
    expect(documented.sort()).toEqual([
      'GET /healthz',
      'GET /metrics',
      'GET /readyz',
      'GET /v1/chains/:identity',
      'GET /v1/chains/:identity/forks',
      'GET /v1/chains/:identity/head',
      'GET /v1/openapi.json',
      'POST /v1/chains/:identity/events',
    ]);
    expect((await call(`${srv.url}/healthz`)).status).toBe(200);
    const ready = await call(`${srv.url}/readyz`);
    expect(ready.json).toEqual({ status: 'ok', db: backend });
    const metrics = await call(`${srv.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const stats = await srv.store.stats();
    expect(stats.chains).toBeGreaterThan(5);
    expect(metrics.text).toContain(`kez_sig_chains ${stats.chains}\n`);
    expect(metrics.text).toContain(`kez_sig_fork_events ${stats.forkEvents}\n`);
    expect(metrics.text).toMatch(/kez_sig_appends_total\{result="accepted",code=""\} \d+/);
    expect(metrics.text).toMatch(
      /kez_sig_appends_total\{result="rejected",code="not_authorized"\} [1-9]/,
    );
    expect(metrics.text).toMatch(/kez_sig_forks_total\{outcome="stored"\} [1-9]/);
    expect(metrics.text).toMatch(/kez_sig_forks_total\{outcome="dropped"\} [1-9]/);
    expect(metrics.text).toMatch(
      /kez_sig_http_requests_total\{method="POST",route="\/v1\/chains\/:identity\/events",status="201"\} [1-9]/,
    );
  });
});
