import { describe, expect, it } from 'vitest';
import {
  ENCODINGS,
  addClaim,
  claimStatus,
  decode,
  encode,
  exportBundle,
  verifyChain,
  verifyObject,
} from '../src/index.js';
import { buildChain, FIXTURE_NOW as NOW } from '@kez/test-kit/chain-builder';

describe('round trip', () => {
  for (const suite of ['ed25519', 'bip340'] as const) {
    it(`claim in every encoding (${suite})`, async () => {
      const { state, next } = buildChain(suite);
      const { claim } = addClaim(state, { subject: 'dns:example.com', created_at: NOW }, next);
      for (const enc of ENCODINGS) {
        const text = await encode(claim, enc);
        const d = decode(text);
        expect(d.encoding).toBe(enc);
        expect(d.object).toEqual(claim);
        expect(verifyObject(text, { now: NOW }).status).toBe('valid');
      }
    });
    it(`chain verifies and bundle is stable (${suite})`, () => {
      const { events, state } = buildChain(suite);
      const bundle = exportBundle(events);
      const r = verifyChain(bundle, { now: NOW });
      expect(r.status).toBe('valid');
      expect(r.state?.head).toEqual(state.head);
      expect(exportBundle([...events].reverse())).toBe(bundle);
      // A v0.3 rotation keeps the old key's claims (SPEC §6.6).
      const claim = [...state.claims.values()][0]!.claim;
      expect(claimStatus(claim, r, { now: NOW })).toMatchObject({ status: 'valid' });
    });
  }
});
