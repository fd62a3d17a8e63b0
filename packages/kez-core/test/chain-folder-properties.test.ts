// Property tests of folding: for random chains with a fork at a random seq, verifyChain reports
// the fork with exactly the state of the prefix (checking the two siblings folded nothing),
// and without the second sibling the chain verifies to the state a folder built event by event.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addClaim,
  addDevice,
  createFolder,
  createGenesis,
  exportBundle,
  objectHash,
  revokeClaim,
  revokeDevice,
  rotateKey,
  verifyChain,
  type ChainEvent,
  type Signer,
} from '../src/index.js';
import { FIXTURE_NOW as NOW, seededSigner as signer } from '@kez/test-kit/chain-builder';
import { signaturesAhead } from '@kez/test-kit/signatures-ahead';
import { stateSnapshot } from './probes.js';

const RUNS = Math.max(5, Math.round(Number(process.env.KEZ_PROP_RUNS ?? 150) / 6));

type Op = 'claim' | 'device_claim' | 'revoke' | 'add_device' | 'revoke_device' | 'rotate';
const OPS: Op[] = ['claim', 'device_claim', 'revoke', 'add_device', 'revoke_device', 'rotate'];

/** A chain doing `ops` in turn (an op that cannot apply yet does the nearest one that can). */
function chainFrom(ops: Op[]): { events: ChainEvent[]; signers: Map<string, Signer> } {
  const signers = new Map<string, Signer>();
  const fresh = () => {
    const n = 30 + signers.size;
    const s = signer(n % 2 ? 'ed25519' : 'bip340', n);
    signers.set(s.keyId, s);
    return s;
  };
  let primary = fresh();
  const devices: Signer[] = [];
  const folder = createFolder();
  const events: ChainEvent[] = [];
  let t = NOW - 10_000;
  const push = (e: ChainEvent) => {
    events.push(e);
    folder.apply(e, NOW);
  };
  push(createGenesis({ created_at: t }, primary));
  for (const op of ops) {
    const s = folder.state!;
    t += 10;
    const active = [...s.claims].filter(([, c]) => !c.revoked);
    const device = devices.find((d) => s.devices.has(d.keyId));
    if (op === 'claim' || (op === 'device_claim' && !device))
      push(addClaim(s, { subject: `github:u${s.head.seq}`, created_at: t }, primary).event);
    else if (op === 'device_claim')
      push(addClaim(s, { subject: `github:d${s.head.seq}`, created_at: t }, device!).event);
    else if (op === 'revoke' && active.length)
      push(revokeClaim(s, { claim: active[0]![0], created_at: t }, primary));
    else if (op === 'add_device' || (op === 'revoke_device' && !device)) {
      const d = fresh();
      devices.push(d);
      push(addDevice(s, { deviceSigner: d, created_at: t }, primary));
    } else if (op === 'revoke_device')
      push(revokeDevice(s, { device: device!.keyId, created_at: t }, primary));
    else if (op === 'rotate') {
      const next = fresh();
      push(rotateKey(s, { newSigner: next, created_at: t }, primary));
      primary = next;
    }
  }
  return { events, signers };
}

describe('folding random chains', () => {
  it('a fork at any seq: fork verdict, the prefix state, nothing of the siblings folded', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...OPS), { minLength: 1, maxLength: 10 }),
        fc.nat(),
        (ops, at) => {
          const { events, signers } = chainFrom(ops);
          const k = 1 + (at % events.length); // the forked seq: 1 … length
          const prefix = events.slice(0, k);
          const base = verifyChain(prefix, { now: NOW });
          expect(base.status).toBe('valid');
          const s = base.state!;
          const primary = signers.get(s.primary)!; // the prefix's primary (it may have rotated)
          const a = addClaim(s, { subject: 'github:fork-a', created_at: NOW - 1 }, primary).event;
          const b = addClaim(s, { subject: 'github:fork-b', created_at: NOW - 1 }, primary).event;
          const bundle = exportBundle([...prefix, a, b]);
          const forked = verifyChain(bundle, { now: NOW });
          // Signatures checked ahead (as on a worker pool) give the very same result.
          const ahead = signaturesAhead(bundle);
          expect(verifyChain(bundle, { now: NOW, signatures: ahead })).toEqual(forked);
          expect(ahead.used).toBeGreaterThan(prefix.length);
          expect(forked.status).toBe('fork');
          expect(forked.evidence.seq).toBe(k);
          expect((forked.evidence.hashes as string[]).sort()).toEqual(
            [objectHash(a), objectHash(b)].sort(),
          );
          expect(stateSnapshot(forked.state)).toEqual(stateSnapshot(base.state));
          const linear = verifyChain([...prefix, a], { now: NOW });
          expect(linear.status).toBe('valid');
          const folder = createFolder();
          for (const e of [...prefix, a]) folder.apply(e, NOW);
          expect(stateSnapshot(linear.state)).toEqual(stateSnapshot(folder.state));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
