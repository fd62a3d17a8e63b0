// Chain trees for core's own tests: branches as event lists folded on demand, and raw events
// (signed as given, so a test can build what the builders refuse to).
import {
  commitment,
  createFolder,
  createGenesis,
  objectHash,
  reverseSigningInput,
  signObject,
  toHex,
  type ChainEvent,
  type ChainState,
  type Signer,
  type Version,
} from '../src/index.js';
import { FIXTURE_NOW as NOW, seededSigner } from '@kez/test-kit/chain-builder';

export { NOW };
export const P = seededSigner('ed25519', 41);
export const N = seededSigner('bip340', 42);
export const N2 = seededSigner('ed25519', 43);
export const D = seededSigner('bip340', 44);
export const D2 = seededSigner('ed25519', 45);
export const X = seededSigner('ed25519', 46);

/** The state at the end of `events` (a path from genesis). */
export function stateOf(events: readonly ChainEvent[]): ChainState {
  const folder = createFolder();
  for (const e of events) folder.apply(e, NOW);
  return folder.state!;
}

let clock = NOW - 50_000;
/** A fresh, increasing created_at (events of one path never go back in time). */
export const tick = (): number => (clock += 10);

/** A genesis by P committing to N (the usual start of a recoverable chain). */
export const genesis = (version?: Version): ChainEvent =>
  createGenesis(
    { created_at: tick(), next: commitment(N.keyId), ...(version ? { version } : {}) },
    P,
  );

/** An event extending `events` as given: any op, body and signer; a grantee reverse-signs. */
export function rawEvent(
  events: readonly ChainEvent[],
  op: ChainEvent['op'],
  body: Record<string, unknown>,
  signer: Signer,
  opts: { version?: Version; grantee?: Signer; created_at?: number } = {},
): ChainEvent {
  const s = stateOf(events);
  const unsigned = {
    kez: opts.version ?? '0.3',
    type: 'event' as const,
    identity: s.identity,
    seq: s.head.seq + 1,
    prev: s.head.hash,
    op,
    body,
    created_at: opts.created_at ?? tick(),
    key: signer.keyId,
  };
  const withReverse = opts.grantee
    ? {
        ...unsigned,
        body: { ...body, reverse: toHex(opts.grantee.sign(reverseSigningInput(unsigned))) },
      }
    : unsigned;
  return signObject<ChainEvent>(withReverse, signer);
}

export const hashOf = (e: ChainEvent): string => objectHash(e);
