import {
  applyEvent,
  canonicalize,
  decodeJson,
  identityIdOf,
  objectHash,
  verifyObject,
  type ChainEvent,
} from '@kez/core';
import type { ChainStates } from './chain-states.js';
import { ApiError, httpStatusForKezCode } from './errors.js';
import type { ChainStore, StoredEvent } from './storage/types.js';

export type AppendOutcome =
  | { status: 201; seq: number; hash: string }
  | { status: 200; seq: number; hash: string };

/** Rounds of "read head → validate → conditional write" before giving up under contention. */
const MAX_ROUNDS = 8;

/**
 * The write path. The signature is the authorization: an event is stored only if @kez/core's
 * applyEvent accepts it against the chain's state (authority, link, claim rules). The write
 * itself is conditional on the head it was validated against, so two racing appends for one
 * position cannot both land; the loser is re-judged as a candidate for an existing position
 * (idempotent repeat, fork evidence, or invalid).
 */
export class Appender {
  constructor(
    private readonly store: ChainStore,
    private readonly states: ChainStates,
    private readonly now: () => number,
    private readonly onFork: (identity: string, ev: StoredEvent) => void = () => {},
  ) {}

  async append(identity: string, body: string): Promise<AppendOutcome> {
    const obj = decodeJson(body);
    if (obj.type !== 'event')
      throw new ApiError(400, 'malformed', `expected an event, got a ${obj.type}`);
    const event = obj as ChainEvent;
    const stored: StoredEvent = {
      seq: event.seq,
      hash: objectHash(event),
      jcs: canonicalize(event),
    };
    const eventIdentity = event.seq === 0 ? identityIdOf(stored.hash) : event.identity;
    if (eventIdentity !== identity) {
      throw new ApiError(
        422,
        'identity_mismatch',
        `the event belongs to ${String(eventIdentity)}, not ${identity}`,
      );
    }

    for (let round = 0; round < MAX_ROUNDS; round++) {
      const head = await this.store.head(identity);
      if (!head) {
        if (event.seq !== 0)
          throw new ApiError(409, 'bad_link', 'unknown chain: append its genesis (seq 0) first');
        const state = applyEvent(null, event, { now: this.now() });
        if ((await this.store.append(identity, stored, null)).ok) {
          this.states.remember(identity, state, null);
          return { status: 201, seq: stored.seq, hash: stored.hash };
        }
        continue;
      }
      if (event.seq > head.seq + 1) {
        throw new ApiError(409, 'bad_link', `seq ${event.seq} is beyond head ${head.seq} + 1`, {
          head: head.seq,
        });
      }
      if (event.seq === head.seq + 1) {
        if (!this.states.has(head)) this.precheck(event, head.hash);
        const before = await this.states.atHead(head);
        const state = applyEvent(before, event, { now: this.now() });
        if ((await this.store.append(identity, stored, { seq: head.seq, hash: head.hash })).ok) {
          this.states.remember(identity, state, before);
          return { status: 201, seq: stored.seq, hash: stored.hash };
        }
        continue;
      }
      return this.existingPosition(identity, event, stored);
    }
    throw new ApiError(503, 'unavailable', 'too much contention on this chain, retry');
  }

  /**
   * Checks that need no chain state — the event's own signature and its link to the event it
   * claims to follow — run before a chain replay, so a junk event cannot buy an expensive one.
   */
  private precheck(event: ChainEvent, prevHash: string): void {
    const own = verifyObject(event, { now: this.now() });
    if (own.status !== 'valid') {
      const code = own.code ?? 'malformed';
      throw new ApiError(httpStatusForKezCode(code), code, own.reason);
    }
    if (event.prev !== prevHash)
      throw new ApiError(422, 'bad_link', `prev is not the hash of event ${event.seq - 1}`);
  }

  /** A candidate for a position that already has a main event. */
  private async existingPosition(
    identity: string,
    event: ChainEvent,
    stored: StoredEvent,
  ): Promise<AppendOutcome> {
    const existing = await this.store.eventAt(identity, stored.seq);
    if (!existing)
      throw new Error(`chain ${identity} has no event at ${stored.seq} below its head`);
    if (existing.hash === stored.hash) return { status: 200, seq: stored.seq, hash: stored.hash };
    // seq 0 cannot get here: a different genesis has a different identity.
    const parent = await this.store.eventAt(identity, stored.seq - 1);
    if (!parent)
      throw new Error(`chain ${identity} has no event at ${stored.seq - 1} below its head`);
    this.precheck(event, parent.hash);
    applyEvent(await this.states.at(identity, parent.seq, parent.hash), event, { now: this.now() });
    if (await this.store.addFork(identity, stored)) this.onFork(identity, stored);
    throw new ApiError(
      409,
      'fork',
      `a different valid event already holds seq ${stored.seq}; kept as fork evidence`,
      {
        seq: stored.seq,
        hash: stored.hash,
        existing: existing.hash,
      },
    );
  }
}
