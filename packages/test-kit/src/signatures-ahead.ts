// Signature checks made ahead of a fold in this thread, with the code a pool worker runs
// (@kez/core eventSignatures): the tests compare verifyChain with and without them.
import { eventSignatures, type EventSignatures, type SignatureResults } from '@kez/core';

export interface CountedResults extends SignatureResults {
  /** How many times the fold was given a result that vouches for at least one signature. */
  readonly used: number;
}

/** `results`, counting what the fold took from them (a test that no check was used is vacuous). */
export function countUses(results: SignatureResults): CountedResults {
  let used = 0;
  return {
    get used() {
      return used;
    },
    at(index) {
      const r = results.at(index);
      if (r?.verified) used++;
      return r;
    },
  };
}

/** The checks for `input`'s lines (a bundle, or an array of events), by position. */
export function signaturesAhead(input: string | readonly unknown[]): CountedResults {
  const values =
    typeof input === 'string'
      ? input
          .split('\n')
          .slice(0, -1)
          .map((line) => {
            try {
              return JSON.parse(line) as unknown;
            } catch {
              return undefined;
            }
          })
      : input;
  const checks: EventSignatures[] = values.map((v) => eventSignatures(v));
  return countUses({ at: (index) => checks[index] });
}
