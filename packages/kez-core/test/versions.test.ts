// SPEC §14: v0.2 and v0.3 objects side by side; each signed and judged by its own version.
import { describe, expect, it } from 'vitest';
import {
  addClaim,
  createClaim,
  createLogin,
  signingContext,
  signingInput,
  signObject,
  utf8Decode,
  verifyChain,
  verifyObject,
  VERSION,
  type Claim,
} from '../src/index.js';
import { D, genesis, N, NOW, P, rawEvent, stateOf, tick } from './trees.js';

const now = { now: NOW };
const g = [genesis()];
const s = stateOf(g);
const claimParams = { identity: s.identity, seq: 1, subject: 'github:alice', created_at: NOW };

describe('versions (SPEC §14.1)', () => {
  it('new objects are signed "0.3"; a given version is signed as asked', () => {
    expect(VERSION).toBe('0.3');
    expect(createClaim(claimParams, P).kez).toBe('0.3');
    expect(createClaim({ ...claimParams, version: '0.2' }, P).kez).toBe('0.2');
    const login = createLogin(
      { identity: s.identity, audience: 'a', created_at: NOW, expires_at: NOW + 60 },
      P,
    );
    expect(login.kez).toBe('0.3');
  });
  it('the signing context names the object own version', () => {
    for (const version of ['0.2', '0.3'] as const) {
      const c = createClaim({ ...claimParams, version }, P);
      const si = signingInput(c);
      const ctx = utf8Decode(si.subarray(0, si.indexOf(0)));
      expect(ctx).toBe(`KEZ/${version}/claim`);
      expect(ctx).toBe(signingContext(version, 'claim'));
      expect(verifyObject(c, now).status).toBe('valid');
      // The same members under the other version's context do not verify.
      const other = version === '0.2' ? '0.3' : '0.2';
      expect(verifyObject({ ...c, kez: other }, now).code).toBe('bad_signature');
    }
    expect(signingContext('0.3', 'device_request')).toBe('KEZ/0.3/device-request');
    expect(signingContext('0.2', 'reverse')).toBe('KEZ/0.2/event-reverse');
  });
  it('other versions are unsupported_version', () => {
    const { sig: _s, ...u } = createClaim(claimParams, P);
    for (const kez of ['0.4', '0.1', 3, null])
      expect(verifyObject(signObject<Claim>({ ...u, kez } as never, P), now).code).toBe(
        'unsupported_version',
      );
  });
  it('a chain mixes versions in any order, a nested claim included', () => {
    const old = [genesis('0.2')];
    const a = addClaim(stateOf(old), { subject: 'github:x', created_at: tick() }, P);
    const e1 = [...old, a.event];
    const b = addClaim(stateOf(e1), { subject: 'github:y', created_at: tick(), version: '0.2' }, P);
    expect(b.event.kez).toBe('0.2');
    expect(verifyChain([...e1, b.event], now).status).toBe('valid');
    const nested = createClaim(
      { ...claimParams, identity: stateOf(old).identity, version: '0.3' },
      P,
    );
    const e = rawEvent(old, 'add', { claim: nested }, P, { version: '0.2', created_at: NOW });
    expect(verifyChain([...old, e], now).status).toBe('valid');
  });
  it('v0.3-only members and forms in a "0.2" object are malformed', () => {
    const code = (e: ReturnType<typeof rawEvent>) => verifyChain([...g, e], now).code;
    const v2 = { version: '0.2' as const };
    expect(
      code(
        rawEvent(g, 'rotate', { new_key: N.keyId, compromised_since: 1 }, P, { ...v2, grantee: N }),
      ),
    ).toBe('malformed');
    expect(code(rawEvent(g, 'rotate', { new_key: N.keyId }, N, v2))).toBe('malformed');
    expect(code(rawEvent(g, 'rotate', { new_key: N.keyId }, N, { ...v2, grantee: N }))).toBe(
      'malformed',
    );
    expect(code(rawEvent(g, 'rotate', { new_key: N.keyId }, P, v2))).toBe('malformed');
    expect(
      code(rawEvent(g, 'revoke_device', { device: D.keyId, compromised_since: 1 }, P, v2)),
    ).toBe('malformed');
    // The same in v0.3 get past the structure (and then meet the chain rules).
    expect(code(rawEvent(g, 'rotate', { new_key: N.keyId }, N))).toBeUndefined();
    expect(code(rawEvent(g, 'revoke_device', { device: D.keyId, compromised_since: 1 }, P))).toBe(
      'bad_key',
    );
  });
});
