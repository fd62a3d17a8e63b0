// Shared test plumbing: a loopback-permitting channel env for the stand-ins.
import { expect } from 'vitest';
import { KezError } from '@kez/core';
import {
  channelsConfig,
  createChannelEnv,
  type ChannelsConfigInput,
  type OwnedChannelEnv,
} from '../src/index.js';

export function loopbackEnv(input: ChannelsConfigInput = {}): OwnedChannelEnv {
  return createChannelEnv(
    channelsConfig({
      allowLoopback: true,
      allowHttp: true,
      timeouts: { totalMs: 3_000, connectMs: 2_000, dnsMs: 2_000 },
      ...input,
    }),
  );
}

/** The KezError a promise rejects with (fails the test if it resolves or throws another). */
export async function kezError(p: Promise<unknown>): Promise<KezError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KezError);
  return e as KezError;
}
