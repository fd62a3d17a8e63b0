// Signature checks made ahead of a fold, e.g. on worker threads (@kez/accel's pool). Whether a
// signature verifies is a function of the event's bytes alone (the key it names, the signed
// text, the signature); which key may sign stays in the fold (chain-rules.ts). So a check made
// elsewhere can stand in for the fold's own, bound to the event by its hash: the fold takes a
// result only for the event whose hash it computed itself, and checks every other signature.
import { isKezError } from './errors.js';
import type { ChainEvent } from './objects.js';
import { checkSigned, readSigned } from './signing.js';
import { checkReverseSignature } from './chain-rules.js';

/** The signatures an event carries (SPEC §6.3, §6.4, §6.9). */
export const SIGNATURE_KINDS = ['event', 'claim', 'reverse', 'request'] as const;
export type SignatureKind = (typeof SIGNATURE_KINDS)[number];

const bit = (kind: SignatureKind): number => 1 << SIGNATURE_KINDS.indexOf(kind);

/** One event's checks: its hash H(o) and a bit (1 << index in SIGNATURE_KINDS) per signature
 * that verifies. */
export interface EventSignatures {
  readonly hash: string;
  readonly verified: number;
}

/** Checks made for the events of one input (bundle lines, or array elements), by position. */
export interface SignatureResults {
  /** The event at `index`: its checks, or undefined when there are none (yet). */
  at(index: number): EventSignatures | undefined;
}

/**
 * Checks every signature `value` (one event) carries with the code the fold uses (a superset
 * of the ones its op needs: the fold asks only for those). What does not parse or verify has
 * no bit, and the fold then checks it itself; only a bug (not a KezError) throws.
 */
export function eventSignatures(value: unknown): EventSignatures {
  let read;
  try {
    read = readSigned(value);
  } catch (err) {
    if (!isKezError(err)) throw err;
    return { hash: '', verified: 0 };
  }
  const event = read.object as ChainEvent;
  let verified = 0;
  const check = (kind: SignatureKind, run: () => void) => {
    try {
      run();
      verified |= bit(kind);
    } catch (err) {
      if (!isKezError(err)) throw err;
    }
  };
  check('event', () => checkSigned(read));
  if (event.type === 'event') {
    const body = event.body as Record<string, unknown>;
    if (event.op === 'add') check('claim', () => checkSigned(readSigned(body.claim)));
    if ((event.op === 'rotate' || event.op === 'add_device') && typeof body.reverse === 'string')
      check('reverse', () => checkReverseSignature(event));
    if (event.op === 'add_device' && body.request !== undefined)
      check('request', () => checkSigned(readSigned(body.request)));
  }
  return { hash: read.hash, verified };
}

/**
 * What the fold asks of `results` for the event at `index`: does it vouch for the `kind`
 * signature of the event whose hash is `hash`? A result for other bytes (another hash) is not
 * taken.
 */
export function vouchFor(
  results: SignatureResults,
  index: number,
): (hash: string, kind: SignatureKind) => boolean {
  return (hash, kind) => {
    const r = results.at(index);
    return r !== undefined && r.hash === hash && (r.verified & bit(kind)) !== 0;
  };
}
