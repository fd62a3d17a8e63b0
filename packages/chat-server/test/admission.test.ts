// decideAdmission without NATS, with a scripted sig-server, for the cases a real sig-server
// cannot be made to produce on demand: withholding (rollback), errors, oversized tokens.
import { describe, expect, it } from 'vitest';
import { KezError } from '@kez/core';
import { buildLoginToken } from '@kez/chat-client';
import {
  decideAdmission,
  HeadMemory,
  MAX_TOKEN_BYTES,
  NonceCache,
  VerifiedChains,
  type ChainSource,
} from '../src/index.js';
import type { NonceLedger } from '../src/nonce-ledger.js';
import { newSigner, now } from '@kez/test-kit/chain-builder';
import {
  createGenesis,
  addClaim,
  addDevice,
  applyEvent,
  createLogin,
  encodeJson,
  signObject,
  type ChainEvent,
  type Login,
} from '@kez/core';

const AUD = 'chat.unit.test';

function chainOf() {
  const primary = newSigner();
  const g = createGenesis({ created_at: now() - 100 }, primary);
  const s0 = applyEvent(null, g, { now: now() });
  const e1 = addDevice(s0, { deviceSigner: newSigner(), created_at: now() - 50 }, primary);
  return { primary, identity: s0.identity, events: [g, e1] as ChainEvent[] };
}

function ctx(source: ChainSource) {
  return {
    audience: AUD,
    chains: new VerifiedChains(source),
    nonces: new NonceCache(),
    heads: new HeadMemory(),
    now,
  };
}

describe('decideAdmission', () => {
  it('admits a good login against the chain', async () => {
    const c = chainOf();
    const d = await decideAdmission(
      buildLoginToken(c.primary, c.identity, AUD),
      ctx({ fetch: async () => ({ events: c.events, forked: false }) }),
    );
    expect(d).toMatchObject({
      admit: true,
      identity: c.identity,
      key: c.primary.keyId,
      chainHead: 1,
    });
  });

  it('refuses when the sig-server later serves a shorter chain (rollback, SPEC §6.7)', async () => {
    const c = chainOf();
    let served = c.events;
    const context = ctx({ fetch: async () => ({ events: served, forked: false }) });
    expect(
      (await decideAdmission(buildLoginToken(c.primary, c.identity, AUD), context)).admit,
    ).toBe(true);
    served = c.events.slice(0, 1); // withholds seq 1
    const d = await decideAdmission(buildLoginToken(c.primary, c.identity, AUD), context);
    expect(d).toMatchObject({ admit: false, code: 'rollback', status: 'unreachable' });
  });

  it('refuses on sig-server errors and never asks it about garbage', async () => {
    const c = chainOf();
    let asked = 0;
    const failing: ChainSource = {
      fetch: async () => {
        asked++;
        throw new KezError('http_status', 'HTTP 503');
      },
    };
    expect(
      await decideAdmission(buildLoginToken(c.primary, c.identity, AUD), ctx(failing)),
    ).toMatchObject({ admit: false, code: 'http_status', status: 'unreachable' });
    expect(asked).toBe(1);
    for (const token of [
      `{${' '.repeat(MAX_TOKEN_BYTES)}`,
      '# KEZ login\n',
      '"kez:z1:AAAA"',
      '{"a":1}',
    ]) {
      expect((await decideAdmission(token, ctx(failing))).admit).toBe(false);
    }
    expect(await decideAdmission(`{${' '.repeat(MAX_TOKEN_BYTES)}`, ctx(failing))).toMatchObject({
      code: 'too_large',
    });
    expect(asked).toBe(1);
  });

  it('refuses lifetimes past SPEC §7 limits (the nonce ledger only covers 300 s + 60 s skew) without asking the sig-server', async () => {
    const c = chainOf();
    let asked = 0;
    const source: ChainSource = {
      fetch: async () => {
        asked++;
        return { events: c.events, forked: false };
      },
    };
    const t = now();
    // Signed directly: createLogin itself refuses to make such a login.
    const long = encodeJson(
      signObject<Login>(
        {
          kez: '0.2',
          type: 'login',
          identity: c.identity,
          key: c.primary.keyId,
          audience: AUD,
          nonce: 'ab'.repeat(16),
          created_at: t,
          expires_at: t + 301,
        },
        c.primary,
      ),
    );
    expect(await decideAdmission(long, ctx(source))).toMatchObject({
      admit: false,
      code: 'too_large',
    });
    const early = encodeJson(
      createLogin(
        { identity: c.identity, audience: AUD, created_at: t + 61, expires_at: t + 120 },
        c.primary,
      ),
    );
    expect(await decideAdmission(early, ctx(source))).toMatchObject({
      admit: false,
      code: 'future',
    });
    const stale = encodeJson(
      createLogin(
        { identity: c.identity, audience: AUD, created_at: t - 100, expires_at: t },
        c.primary,
      ),
    );
    expect(await decideAdmission(stale, ctx(source))).toMatchObject({
      admit: false,
      code: 'expired',
    });
    expect(asked).toBe(0);
  });

  it('judges a flagged chain by SPEC §6.8 over main line + fork evidence: an unresolved fork refuses, a lost rival does not', async () => {
    const primary = newSigner();
    const device = newSigner();
    const g = createGenesis({ created_at: now() - 100 }, primary);
    const s0 = applyEvent(null, g, { now: now() });
    const e1 = addDevice(s0, { deviceSigner: device, created_at: now() - 50 }, primary);
    const s1 = applyEvent(s0, e1, { now: now() });
    const claim = (signer: typeof primary, n: number) =>
      addClaim(s1, { subject: `dns:f${n}.example.com`, created_at: now() - 40 + n }, signer).event;
    const admit = (events: ChainEvent[], forks: ChainEvent[], signer = primary) =>
      decideAdmission(
        buildLoginToken(signer, s0.identity, AUD),
        ctx({ fetch: async () => ({ events, forked: true, forks }) }),
      );
    // Two device-signed rivals at seq 2, nothing above them: a fork, every login refused.
    expect(await admit([g, e1, claim(device, 1)], [claim(device, 2)])).toMatchObject({
      admit: false,
      code: 'fork',
    });
    // The flag alone (no evidence served) decides nothing.
    expect(await admit([g, e1], [])).toMatchObject({ admit: true, chainHead: 1 });
    // A primary-signed event beats the device's rival (SPEC §6.8 rule 3), either way round.
    expect(await admit([g, e1, claim(primary, 3)], [claim(device, 4)])).toMatchObject({
      admit: true,
      chainHead: 2,
    });
    expect(await admit([g, e1, claim(device, 5)], [claim(primary, 6)], device)).toMatchObject({
      admit: true,
      chainHead: 2,
    });
  });

  it('refuses a chain of another identity served under this one', async () => {
    const c = chainOf();
    const other = chainOf();
    const d = await decideAdmission(
      buildLoginToken(c.primary, c.identity, AUD),
      ctx({ fetch: async () => ({ events: other.events, forked: false }) }),
    );
    expect(d).toMatchObject({ admit: false, code: 'identity_mismatch' });
  });

  it("claims a known identity's nonce during the chain read, an unknown one's only after its chain verified", async () => {
    const c = chainOf();
    const events: string[] = [];
    const claimed = new Set<string>();
    const ledger: NonceLedger = {
      claim: async (nonce) => {
        events.push('claim');
        if (claimed.has(nonce)) return 'used';
        claimed.add(nonce);
        return 'fresh';
      },
    };
    let served: ChainEvent[] | null = c.events;
    const source: ChainSource = {
      fetch: async (_id, o) => {
        events.push('read');
        await new Promise((r) => setTimeout(r, 5));
        events.push('read done');
        if (served === null) return null;
        return o?.known
          ? { events: [], forked: false, notModified: true }
          : { events: served, forked: false, etag: '"1"' };
      },
    };
    const context = { ...ctx(source), ledger };
    const login = () => buildLoginToken(c.primary, c.identity, AUD);
    // First login: the chain is not held yet, so the claim waits for its verification.
    expect((await decideAdmission(login(), context)).admit).toBe(true);
    expect(events).toEqual(['read', 'read done', 'claim']);
    // Known identity: the claim goes out while the (conditional) read is in flight.
    events.length = 0;
    expect(await decideAdmission(login(), context)).toMatchObject({
      admit: true,
      chainRead: 'cached',
    });
    expect(events).toEqual(['claim', 'read', 'read done']);
    // Single use still holds across the early claim: a token the ledger saw is refused.
    const token = login();
    expect((await decideAdmission(token, context)).admit).toBe(true);
    expect(await decideAdmission(token, { ...context, nonces: new NonceCache() })).toMatchObject({
      admit: false,
      code: 'replayed',
    });
    const before = claimed.size;
    // A key of one's own naming a known identity: refused by the chain, and never in the ledger
    // (else anyone could fill the ledger of a member's identity with made-up nonces).
    events.length = 0;
    const outsider = newSigner();
    const forged = await Promise.all(
      Array.from({ length: 5 }, () =>
        decideAdmission(buildLoginToken(outsider, c.identity, AUD), context),
      ),
    );
    for (const d of forged) expect(d).toMatchObject({ admit: false, code: 'key_rotated' });
    expect(claimed.size).toBe(before);
    expect(events.filter((e) => e === 'claim')).toEqual([]);
    // An identity the sig-server does not know costs no ledger entry.
    const stranger = chainOf();
    served = null;
    events.length = 0;
    expect(
      await decideAdmission(buildLoginToken(stranger.primary, stranger.identity, AUD), context),
    ).toMatchObject({ admit: false, code: 'no_chain' });
    expect(claimed.size).toBe(before);
    expect(events).toEqual(['read', 'read done']);
  });

  it('refuses (nonce ledger) when an early claim fails, and only once the chain is judged', async () => {
    const c = chainOf();
    let fail = false;
    const ledger: NonceLedger = {
      claim: async () => {
        if (fail) throw new KezError('network', 'nonce ledger unavailable: down');
        return 'fresh';
      },
    };
    const context = {
      ...ctx({
        fetch: async (_id, o) =>
          o?.known
            ? { events: [], forked: false, notModified: true }
            : { events: c.events, forked: false, etag: '"1"' },
      }),
      ledger,
    };
    expect(
      (await decideAdmission(buildLoginToken(c.primary, c.identity, AUD), context)).admit,
    ).toBe(true);
    fail = true;
    expect(
      await decideAdmission(buildLoginToken(c.primary, c.identity, AUD), context),
    ).toMatchObject({ admit: false, source: 'nonce-ledger', status: 'unreachable' });
  });
});
