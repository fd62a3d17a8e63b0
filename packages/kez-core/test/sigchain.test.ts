import { describe, expect, it } from 'vitest';
import {
  addClaim,
  addDevice,
  applyEvent,
  claimStatus,
  commitment,
  compareHeads,
  createGenesis,
  exportBundle,
  objectHash,
  revokeClaim,
  revokeDevice,
  rotateKey,
  signObject,
  verifyChain,
  parseBundle,
  type ChainEvent,
  type ChainState,
} from '../src/index.js';
import {
  buildChain,
  FIXTURE_NOW as NOW,
  seededSigner as signer,
} from '@kez/test-kit/chain-builder';
import { codeOf } from './probes.js';

const now = { now: NOW };
const P = signer('ed25519', 21);
const D = signer('bip340', 22);
const N = signer('bip340', 23);
const X = signer('ed25519', 24);

function genesis(next?: string): { e: ChainEvent; s: ChainState } {
  const e = createGenesis({ created_at: NOW - 1000, ...(next ? { next } : {}) }, P);
  return { e, s: applyEvent(null, e, now) };
}

describe('applyEvent: every op', () => {
  it('init sets identity from H(genesis), primary and next', () => {
    const { e, s } = genesis(commitment(N.keyId));
    expect(s.identity).toBe(`kez:id:${objectHash(e)}`);
    expect(s.primary).toBe(P.keyId);
    expect(s.next).toBe(commitment(N.keyId));
    expect(s.head).toEqual({ seq: 0, hash: objectHash(e), created_at: NOW - 1000 });
  });
  it('add, revoke, add_device, revoke_device, rotate fold as SPEC §6.3 says; the input state is not modified', () => {
    let { s } = genesis(commitment(N.keyId));
    const { claim, event } = addClaim(s, { subject: 'github:bob', created_at: NOW - 900 }, P);
    const before = s;
    s = applyEvent(s, event, now);
    expect(before.claims.size).toBe(0);
    const h = objectHash(claim);
    expect(s.claims.get(h)).toEqual({ claim, seq: 1 });
    s = applyEvent(
      s,
      addDevice(s, { deviceSigner: D, name: 'phone', created_at: NOW - 800 }, P),
      now,
    );
    expect(s.devices.get(D.keyId)).toEqual({ name: 'phone', seq: 2, addedBy: P.keyId });
    // a device may add and revoke claims
    const byDevice = addClaim(s, { subject: 'dns:bob.example', created_at: NOW - 790 }, D);
    s = applyEvent(s, byDevice.event, now);
    s = applyEvent(s, revokeClaim(s, { claim: h, reason: 'gone', created_at: NOW - 700 }, D), now);
    expect(s.claims.get(h)!.revoked).toEqual({ seq: 4, reason: 'gone' });
    // rotation keeps devices
    s = applyEvent(s, rotateKey(s, { newSigner: N, created_at: NOW - 600 }, P), now);
    expect(s.primary).toBe(N.keyId);
    expect(s.next).toBeUndefined();
    expect(s.devices.has(D.keyId)).toBe(true);
    s = applyEvent(s, revokeDevice(s, { device: D.keyId, created_at: NOW - 500 }, N), now);
    expect(s.devices.size).toBe(0);
    expect(s.revokedDevices.has(D.keyId)).toBe(true);
    // a revoked device never comes back, and never signs again
    expect(
      codeOf(() => applyEvent(s, addDevice(s, { deviceSigner: D, created_at: NOW - 400 }, N), now)),
    ).toBe('bad_key');
    expect(
      codeOf(() =>
        applyEvent(s, addClaim(s, { subject: 'github:x', created_at: NOW - 400 }, D).event, now),
      ),
    ).toBe('not_authorized');
    // the old primary has no authority left
    expect(
      codeOf(() =>
        applyEvent(s, addClaim(s, { subject: 'github:x', created_at: NOW - 400 }, P).event, now),
      ),
    ).toBe('not_authorized');
    expect(s.head.seq).toBe(6);
  });
});

describe('applyEvent: rules', () => {
  it('authority: devices may not rotate or manage devices; strangers may do nothing', () => {
    let { s } = genesis();
    s = applyEvent(s, addDevice(s, { deviceSigner: D, created_at: NOW - 900 }, P), now);
    expect(
      codeOf(() => applyEvent(s, rotateKey(s, { newSigner: N, created_at: NOW - 800 }, D), now)),
    ).toBe('not_authorized');
    expect(
      codeOf(() => applyEvent(s, addDevice(s, { deviceSigner: N, created_at: NOW - 800 }, D), now)),
    ).toBe('not_authorized');
    expect(
      codeOf(() =>
        applyEvent(s, revokeDevice(s, { device: D.keyId, created_at: NOW - 800 }, D), now),
      ),
    ).toBe('not_authorized');
    expect(
      codeOf(() =>
        applyEvent(s, addClaim(s, { subject: 'github:x', created_at: NOW - 800 }, X).event, now),
      ),
    ).toBe('not_authorized');
  });
  it('pre-rotation: only the committed key, and the commitment moves on', () => {
    let { s } = genesis(commitment(N.keyId));
    expect(
      codeOf(() => applyEvent(s, rotateKey(s, { newSigner: X, created_at: NOW - 900 }, P), now)),
    ).toBe('precommit_mismatch');
    s = applyEvent(
      s,
      rotateKey(s, { newSigner: N, next: commitment(X.keyId), created_at: NOW - 900 }, P),
      now,
    );
    expect(s.next).toBe(commitment(X.keyId));
    expect(
      codeOf(() => applyEvent(s, rotateKey(s, { newSigner: D, created_at: NOW - 800 }, N), now)),
    ).toBe('precommit_mismatch');
    expect(
      codeOf(() => applyEvent(s, rotateKey(s, { newSigner: X, created_at: NOW - 800 }, N), now)),
    ).toBe('ok');
  });
  it('rotate to a device is bad_key; to the primary itself is the recovery form with a reverse', () => {
    let { s } = genesis();
    s = applyEvent(s, addDevice(s, { deviceSigner: D, created_at: NOW - 900 }, P), now);
    expect(
      codeOf(() => applyEvent(s, rotateKey(s, { newSigner: D, created_at: NOW - 800 }, P), now)),
    ).toBe('bad_key');
    expect(codeOf(() => rotateKey(s, { newSigner: P, created_at: NOW - 800 }, P))).toBe(
      'malformed',
    );
  });
  it('bad reverse: signed by another key, or over another event', () => {
    const { s } = genesis();
    const e = rotateKey(s, { newSigner: N, created_at: NOW - 900 }, P);
    const other = rotateKey(s, { newSigner: N, created_at: NOW - 899 }, P);
    const swapped = signObject<ChainEvent>(
      { ...withoutSig(e), body: { ...e.body, reverse: other.body.reverse } },
      P,
    );
    expect(codeOf(() => applyEvent(s, swapped, now))).toBe('bad_reverse');
    const d = addDevice(s, { deviceSigner: D, created_at: NOW - 900 }, P);
    const forged = signObject<ChainEvent>(
      {
        ...withoutSig(d),
        body: {
          ...d.body,
          reverse: X.sign(new Uint8Array(1)).reduce(
            (h, b) => h + b.toString(16).padStart(2, '0'),
            '',
          ),
        },
      },
      P,
    );
    expect(codeOf(() => applyEvent(s, forged, now))).toBe('bad_reverse');
  });
  it('links: seq, prev, identity, time, a second genesis', () => {
    const { e: g, s } = genesis();
    const e = addClaim(s, { subject: 'github:x', created_at: NOW - 900 }, P).event;
    expect(
      codeOf(() => applyEvent(s, signObject<ChainEvent>({ ...withoutSig(e), seq: 2 }, P), now)),
    ).toBe('bad_link');
    expect(
      codeOf(() =>
        applyEvent(s, signObject<ChainEvent>({ ...withoutSig(e), prev: '00'.repeat(32) }, P), now),
      ),
    ).toBe('bad_link');
    expect(
      codeOf(() =>
        applyEvent(
          s,
          signObject<ChainEvent>({ ...withoutSig(e), identity: `kez:id:${'00'.repeat(32)}` }, P),
          now,
        ),
      ),
    ).toBe('bad_link');
    expect(
      codeOf(() =>
        applyEvent(s, addClaim(s, { subject: 'github:x', created_at: NOW - 1001 }, P).event, now),
      ),
    ).toBe('bad_link');
    expect(codeOf(() => applyEvent(s, g, now))).toBe('bad_link');
    expect(codeOf(() => applyEvent(null, e, now))).toBe('bad_link');
  });
  it('claims: identity, seq, key and time must match; no duplicates; revoke only active claims', () => {
    let { s } = genesis();
    s = applyEvent(s, addDevice(s, { deviceSigner: D, created_at: NOW - 900 }, P), now);
    const { claim, event } = addClaim(s, { subject: 'github:x', created_at: NOW - 800 }, P);
    // a claim signed by a device inside an event signed by the primary
    const mixed = addClaim(s, { subject: 'github:x', created_at: NOW - 800 }, D);
    expect(
      codeOf(() =>
        applyEvent(
          s,
          signObject<ChainEvent>({ ...withoutSig(event), body: { claim: mixed.claim } }, P),
          now,
        ),
      ),
    ).toBe('bad_claim');
    // claim created after its event
    const late = addClaim(s, { subject: 'github:y', created_at: NOW - 700 }, P);
    expect(
      codeOf(() =>
        applyEvent(
          s,
          signObject<ChainEvent>({ ...withoutSig(late.event), created_at: NOW - 750 }, P),
          now,
        ),
      ),
    ).toBe('bad_claim');
    // a tampered claim inside a well-signed event carries the claim's code
    expect(
      codeOf(() =>
        applyEvent(
          s,
          signObject<ChainEvent>(
            { ...withoutSig(event), body: { claim: { ...claim, subject: 'github:z' } } },
            P,
          ),
          now,
        ),
      ),
    ).toBe('bad_signature');
    s = applyEvent(s, event, now);
    const h = objectHash(claim);
    expect(
      codeOf(() =>
        applyEvent(s, revokeClaim(s, { claim: '11'.repeat(32), created_at: NOW - 700 }, P), now),
      ),
    ).toBe('bad_claim');
    s = applyEvent(s, revokeClaim(s, { claim: h, created_at: NOW - 700 }, P), now);
    expect(
      codeOf(() => applyEvent(s, revokeClaim(s, { claim: h, created_at: NOW - 600 }, P), now)),
    ).toBe('bad_claim');
  });
  it('future events are rejected', () => {
    const { s } = genesis();
    expect(
      codeOf(() =>
        applyEvent(s, addClaim(s, { subject: 'github:x', created_at: NOW + 601 }, P).event, now),
      ),
    ).toBe('future');
    expect(
      codeOf(() =>
        applyEvent(s, addClaim(s, { subject: 'github:x', created_at: NOW + 600 }, P).event, now),
      ),
    ).toBe('ok');
  });
});

function withoutSig(e: ChainEvent): Omit<ChainEvent, 'sig'> {
  const { sig: _s, ...rest } = e;
  return rest;
}

describe('verifyChain and claimStatus', () => {
  it('fork in a bundle: evidence, state before the fork, later lines not folded', () => {
    const { events } = buildChain('ed25519');
    const base = events.slice(0, 2);
    const s = verifyChain(base, now).state!;
    const primary = signer('ed25519', 11);
    const a = addClaim(s, { subject: 'github:one', created_at: NOW - 85 }, primary);
    const b = addClaim(s, { subject: 'github:two', created_at: NOW - 85 }, primary);
    const after = addClaim(
      applyEvent(s, a.event, now),
      { subject: 'github:three', created_at: NOW - 80 },
      primary,
    );
    const r = verifyChain(exportBundle([...base, a.event, b.event, after.event]), now);
    expect(r.status).toBe('fork');
    expect(r.code).toBe('fork');
    expect((r.evidence.hashes as string[]).sort()).toEqual(
      [objectHash(a.event), objectHash(b.event)].sort(),
    );
    expect(r.state!.head.seq).toBe(1);
    expect(claimStatus(a.claim, r, now)).toMatchObject({ status: 'fork', code: 'fork' });
  });
  it('claim statuses: valid, chain_behind, not_in_chain, identity_mismatch, expired', () => {
    const { events, state, next } = buildChain('bip340');
    const valid = addClaim(
      state,
      { subject: 'github:ok', created_at: NOW - 60, expires_at: NOW + 10 },
      next,
    );
    const s2 = applyEvent(state, valid.event, now);
    const all = [...events, valid.event];
    const r = verifyChain(all, now);
    expect(claimStatus(valid.claim, r, now)).toMatchObject({ status: 'valid' });
    expect(claimStatus(valid.claim, r, { now: NOW + 10 })).toMatchObject({
      status: 'expired',
      code: 'expired',
    });
    expect(claimStatus(valid.claim, verifyChain(events, now), now)).toMatchObject({
      status: 'not_found',
      code: 'chain_behind',
    });
    const other = addClaim(state, { subject: 'github:other', created_at: NOW - 60 }, next).claim;
    expect(claimStatus(other, r, now)).toMatchObject({ status: 'invalid', code: 'not_in_chain' });
    const stranger = buildChain('ed25519');
    expect(claimStatus(valid.claim, verifyChain(stranger.events, now), now)).toMatchObject({
      status: 'invalid',
      code: 'identity_mismatch',
    });
    expect(claimStatus(valid.claim, verifyChain('', now), now)).toMatchObject({
      status: 'not_found',
      code: 'no_chain',
    });
    expect(s2.head.seq).toBe(4);
  });
  it('bundles round-trip and are order-independent', () => {
    const { events } = buildChain('ed25519');
    const b = exportBundle(events);
    expect(exportBundle(parseBundle(b))).toBe(b);
    expect(verifyChain([...events].reverse(), now)).toMatchObject({
      status: 'invalid',
      code: 'malformed',
    });
  });
});

describe('compareHeads (SPEC §6.7)', () => {
  const { events } = buildChain('ed25519');
  const full = verifyChain(events, now);
  const head = full.state!.head;
  it('same head or an extension: null', () => {
    expect(compareHeads({ seq: head.seq, hash: head.hash }, full)).toBeNull();
    expect(compareHeads({ seq: 1, hash: objectHash(events[1]!) }, full)).toBeNull();
  });
  it('shorter chain: rollback (unreachable)', () => {
    expect(
      compareHeads({ seq: head.seq, hash: head.hash }, verifyChain(events.slice(0, 2), now)),
    ).toMatchObject({ status: 'unreachable', code: 'rollback' });
  });
  it('another event at the remembered seq: fork with both hashes', () => {
    const v = compareHeads({ seq: 1, hash: 'ab'.repeat(32) }, full)!;
    expect(v).toMatchObject({ status: 'fork', code: 'fork' });
    expect(v.evidence.hashes).toEqual(['ab'.repeat(32), objectHash(events[1]!)]);
  });
});

describe('builders refuse to produce objects that cannot verify', () => {
  it('bad subject, locators, lifetime → KezError', async () => {
    const { s } = genesis();
    expect(codeOf(() => addClaim(s, { subject: 'GitHub:Bob', created_at: NOW }, P))).toBe(
      'bad_subject',
    );
    expect(
      codeOf(() => addClaim(s, { subject: 'github:bob', created_at: NOW, locators: [] }, P)),
    ).toBe('malformed');
    expect(
      codeOf(() => addClaim(s, { subject: 'github:bob', created_at: NOW, expires_at: NOW }, P)),
    ).toBe('malformed');
    const { createLogin } = await import('../src/index.js');
    expect(
      codeOf(() =>
        createLogin(
          { identity: s.identity, audience: 'a', created_at: NOW, expires_at: NOW + 301 },
          P,
        ),
      ),
    ).toBe('too_large');
    expect(
      codeOf(() =>
        createLogin(
          { identity: s.identity, audience: '', created_at: NOW, expires_at: NOW + 1 },
          P,
        ),
      ),
    ).toBe('malformed');
    expect(codeOf(() => revokeClaim(s, { claim: 'xyz', created_at: NOW }, P))).toBe('malformed');
  });
});
