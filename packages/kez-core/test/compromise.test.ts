// SPEC §6.2 retirements and §6.6: what rotations and device revocations of each version undo.
import { describe, expect, it } from 'vitest';
import {
  addClaim,
  addDevice,
  claimStatus,
  createGenesis,
  createLogin,
  recoverKey,
  revokeDevice,
  rotateKey,
  verifyChain,
  verifyLogin,
  type ChainEvent,
  type Claim,
  type Signer,
  type Version,
} from '../src/index.js';
import { D, D2, genesis, N, NOW, P, rawEvent, stateOf, tick } from './trees.js';
import { codeOf } from './probes.js';

const now = { now: NOW };

/** A chain built step by step, with the claims it made by name. */
function chain(version?: Version) {
  const events: ChainEvent[] = [genesis(version)];
  const claims: Record<string, Claim> = {};
  const v = version ? { version } : {};
  return {
    events,
    claims,
    claim(name: string, s: Signer) {
      const a = addClaim(
        stateOf(events),
        { subject: `github:${name}`, created_at: tick(), ...v },
        s,
      );
      claims[name] = a.claim;
      events.push(a.event);
    },
    push(make: (st: ReturnType<typeof stateOf>) => ChainEvent) {
      events.push(make(stateOf(events)));
    },
    status(name: string) {
      const r = verifyChain(events, now);
      const c = claimStatus(claims[name]!, r, now);
      return c.code ? `${c.status}/${c.code}` : c.status;
    },
  };
}

describe('rotation keeps or revokes the old key claims by its version (SPEC §6.6)', () => {
  it('a v0.2 rotation revokes every claim of the old key (key_rotated)', () => {
    const c = chain('0.2');
    c.claim('a', P);
    c.push((s) => rotateKey(s, { newSigner: N, created_at: tick(), version: '0.2' }, P));
    expect(c.status('a')).toBe('revoked/key_rotated');
  });
  it('a v0.3 rotation keeps them valid, also after a v0.2 genesis', () => {
    for (const version of ['0.2', '0.3'] as const) {
      const c = chain(version);
      c.claim('a', P);
      c.push((s) => rotateKey(s, { newSigner: N, created_at: tick() }, P));
      expect(c.status('a')).toBe('valid');
      expect(verifyChain(c.events, now).state!.retirements).toEqual([]);
    }
  });
  it('a v0.2 device revocation revokes all its claims; a v0.3 one only from its seq', () => {
    for (const [version, want] of [
      ['0.2', 'revoked/device_revoked'],
      ['0.3', 'valid'],
    ] as const) {
      const c = chain(version);
      c.push((s) => addDevice(s, { deviceSigner: D, created_at: tick(), version }, P));
      c.claim('d', D);
      c.push((s) => revokeDevice(s, { device: D.keyId, created_at: tick(), version }, P));
      expect(c.status('d')).toBe(want);
    }
  });
});

describe('compromised_since (SPEC §6.2)', () => {
  it('on rotate: revokes exactly the claims at ≥ N and the devices the old primary added at ≥ N', () => {
    const c = chain();
    c.claim('before', P); // seq 1
    c.push((s) => addDevice(s, { deviceSigner: D, created_at: tick() }, P)); // seq 2
    c.claim('at', P); // seq 3
    c.push((s) => addDevice(s, { deviceSigner: D2, created_at: tick() }, P)); // seq 4
    c.claim('old-device', D); // seq 5
    c.claim('new-device', D2); // seq 6
    c.push((s) => rotateKey(s, { newSigner: N, created_at: tick(), compromisedSince: 3 }, P));
    expect(c.status('before')).toBe('valid');
    expect(c.status('at')).toBe('revoked/key_compromised');
    expect(c.status('old-device')).toBe('valid');
    expect(c.status('new-device')).toBe('revoked/key_compromised');
    const s = verifyChain(c.events, now).state!;
    expect([...s.devices.keys()]).toEqual([D.keyId]);
    expect([...s.revokedDevices]).toEqual([D2.keyId]);
    expect(s.retirements).toEqual([
      { key: P.keyId, since: 3, code: 'key_compromised', seq: 7 },
      { key: D2.keyId, since: 4, code: 'key_compromised', seq: 7 },
    ]);
    const login = (k: Signer) =>
      verifyLogin(
        createLogin(
          { identity: s.identity, audience: 'a', created_at: NOW, expires_at: NOW + 9 },
          k,
        ),
        { audience: 'a', now: NOW, chain: verifyChain(c.events, now) },
      );
    expect(login(P)).toMatchObject({ status: 'revoked', code: 'key_compromised' });
    expect(login(D2)).toMatchObject({ status: 'revoked', code: 'key_compromised' });
    expect(login(D).status).toBe('valid');
    expect(login(N).status).toBe('valid');
  });
  it('on a recovery rotation as well', () => {
    const c = chain();
    c.claim('a', P);
    c.claim('b', P);
    c.push((s) => recoverKey(s, { created_at: tick(), compromisedSince: 2 }, N));
    expect([c.status('a'), c.status('b')]).toEqual(['valid', 'revoked/key_compromised']);
  });
  it('on revoke_device: claims at ≥ N are key_compromised, earlier ones stay valid', () => {
    const c = chain();
    c.push((s) => addDevice(s, { deviceSigner: D, created_at: tick() }, P)); // 1
    c.claim('early', D); // 2
    c.claim('late', D); // 3
    c.push((s) => revokeDevice(s, { device: D.keyId, created_at: tick(), compromisedSince: 3 }, P));
    expect([c.status('early'), c.status('late')]).toEqual(['valid', 'revoked/key_compromised']);
  });
  it('N must be 1 ≤ N ≤ e.seq (malformed)', () => {
    const c = chain();
    const s = stateOf(c.events);
    for (const n of [0, 2]) {
      expect(
        codeOf(() => rotateKey(s, { newSigner: N, created_at: tick(), compromisedSince: n }, P)),
      ).toBe('malformed');
    }
    for (const n of [0, 2, 1.5, '1'])
      expect(
        verifyChain(
          [
            ...c.events,
            rawEvent(c.events, 'rotate', { new_key: N.keyId, compromised_since: n }, P, {
              grantee: N,
            }),
          ],
          now,
        ).code,
      ).toBe('malformed');
  });
});

describe('recovery rotation rules (SPEC §6.3)', () => {
  const c = chain();
  const s = stateOf(c.events);
  it('the builder refuses a key that is not committed, or a chain without a commitment', () => {
    expect(codeOf(() => recoverKey(s, { created_at: tick() }, D))).toBe('precommit_mismatch');
    const bare = [createGenesis({ created_at: tick() }, P)];
    expect(codeOf(() => recoverKey(stateOf(bare), { created_at: tick() }, N))).toBe(
      'not_authorized',
    );
  });
  it('without a commitment a recovery is not_authorized; with reverse it is malformed', () => {
    const bare = [createGenesis({ created_at: tick() }, P)];
    expect(
      verifyChain([...bare, rawEvent(bare, 'rotate', { new_key: N.keyId }, N)], now).code,
    ).toBe('not_authorized');
    expect(
      verifyChain(
        [...c.events, rawEvent(c.events, 'rotate', { new_key: N.keyId }, N, { grantee: N })],
        now,
      ).code,
    ).toBe('malformed');
  });
  it('an ordinary rotation without reverse is malformed; a stranger rotating is not_authorized', () => {
    expect(
      verifyChain([...c.events, rawEvent(c.events, 'rotate', { new_key: N.keyId }, P)], now).code,
    ).toBe('malformed');
    expect(
      verifyChain([...c.events, rawEvent(c.events, 'rotate', { new_key: N.keyId }, D)], now).code,
    ).toBe('not_authorized');
  });
  it('a used key can never be rotated to (former primary included)', () => {
    const k = chain();
    k.push((st) => rotateKey(st, { newSigner: N, created_at: tick() }, P));
    expect(
      verifyChain(
        [...k.events, rawEvent(k.events, 'rotate', { new_key: P.keyId }, N, { grantee: P })],
        now,
      ).code,
    ).toBe('bad_key');
  });
});
