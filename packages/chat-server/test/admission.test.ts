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
import { newSigner, now } from '@kez/test-kit/chain-builder';
import {
  createGenesis,
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

  it('refuses a chain the sig-server flags as forked', async () => {
    const c = chainOf();
    const d = await decideAdmission(
      buildLoginToken(c.primary, c.identity, AUD),
      ctx({ fetch: async () => ({ events: c.events, forked: true }) }),
    );
    expect(d).toMatchObject({ admit: false, code: 'fork' });
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
});
