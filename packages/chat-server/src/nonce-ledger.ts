// Login nonces recorded in JetStream, so single use (SPEC §7) survives a chat-server restart
// and holds across replicas: the first publish on kezchat.nonce.<nonce> with "expected last
// subject sequence 0" wins; every later one is refused by the server. Entries age out after
// any login could still be accepted (lifetime ≤ 300 s plus 60 s future skew), with margin.
// The stream has its own byte budget (`max_bytes` is a reservation in JetStream, so a full
// history stream can never take it); when even that is full, new nonces are refused
// (discard new), never old ones forgotten.
import {
  DiscardPolicy,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { KezError } from '@kez/core';
import type { Logger } from './log.js';

export const NONCE_SUBJECT_PREFIX = 'kezchat.nonce';
const RETENTION_SEC = 600;
const WRONG_LAST_SEQUENCE = 10071;

export interface NonceLedger {
  /** 'fresh' the first time a nonce is claimed, 'used' afterwards. Throws KezError (unreachable) when it cannot tell. */
  claim(nonce: string): Promise<'fresh' | 'used'>;
}

export async function jetStreamNonceLedger(
  nc: NatsConnection,
  stream: string,
  opts: { maxBytes: number },
  log: Logger,
  timeoutMs = 1_000,
): Promise<NonceLedger> {
  const jsm = await jetstreamManager(nc);
  const limits = {
    max_age: RETENTION_SEC * 1_000_000_000,
    max_msgs_per_subject: 1,
    max_bytes: opts.maxBytes,
    discard: DiscardPolicy.New,
  };
  let info;
  try {
    info = await jsm.streams.info(stream);
  } catch {
    await jsm.streams.add({ name: stream, subjects: [`${NONCE_SUBJECT_PREFIX}.*`], ...limits });
    log.info('nonce ledger stream created', { stream });
  }
  if (
    info &&
    (info.config.max_bytes !== limits.max_bytes || info.config.discard !== limits.discard)
  ) {
    await jsm.streams.update(stream, { ...info.config, ...limits });
    log.warn('nonce ledger limits updated', { stream, max_bytes: limits.max_bytes });
  }
  const js: JetStreamClient = jetstream(nc, { timeout: timeoutMs });
  return {
    async claim(nonce) {
      if (!/^[0-9a-f]{32}$/.test(nonce))
        throw new KezError('malformed', 'nonce is not 16 bytes of hex');
      try {
        await js.publish(`${NONCE_SUBJECT_PREFIX}.${nonce}`, new Uint8Array(0), {
          expect: { lastSubjectSequence: 0 },
        });
        return 'fresh';
      } catch (e) {
        if (e instanceof JetStreamApiError && e.code === WRONG_LAST_SEQUENCE) return 'used';
        throw new KezError(
          'network',
          `nonce ledger unavailable: ${e instanceof Error ? e.message : String(e)}`,
          {},
          { cause: e },
        );
      }
    },
  };
}
