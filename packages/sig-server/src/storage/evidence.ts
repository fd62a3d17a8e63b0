import type { ForkBounds, ForkOutcome, StoredEvent } from './types.js';

/**
 * Which former main events a reorganization keeps as evidence, the same bounds as a rival's:
 * ascending, so the first events of the superseded branch — where it parted — are kept first.
 * `forksStored` and `atSeq` (evidence per seq) are the chain's, after the winner left the
 * evidence; `known` are the hashes already stored as evidence.
 */
export function supersede(
  events: StoredEvent[],
  forksStored: number,
  atSeq: ReadonlyMap<number, number>,
  known: ReadonlySet<string>,
  bounds: ForkBounds,
): (StoredEvent & { outcome: ForkOutcome })[] {
  let stored = forksStored;
  return events.map((ev) => {
    if (known.has(ev.hash)) return { ...ev, outcome: 'duplicate' };
    if (stored >= bounds.forksPerChain || (atSeq.get(ev.seq) ?? 0) >= bounds.forksPerPosition)
      return { ...ev, outcome: 'dropped' };
    stored++;
    return { ...ev, outcome: 'stored' };
  });
}
