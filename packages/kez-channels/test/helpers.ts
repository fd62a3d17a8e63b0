// Shared test plumbing: a loopback-permitting channel env for the stand-ins.
import { expect } from 'vitest';
import { KezError, parseSubject, verdictOf } from '@kez/core';
import {
  channelsConfig,
  createChannelEnv,
  defaultRegistry,
  evaluateCandidate,
  memoryHeadCache,
  verifyIdentity,
  type ChannelPlugin,
  type ChannelsConfigInput,
  type IdentityResult,
  type OwnedChannelEnv,
  type ProofVerdict,
  type ReadCredentials,
} from '../src/index.js';

export function loopbackEnv(
  input: ChannelsConfigInput = {},
  credentials?: ReadCredentials,
): OwnedChannelEnv {
  return createChannelEnv(
    channelsConfig({
      allowLoopback: true,
      allowHttp: true,
      timeouts: { totalMs: 3_000, connectMs: 2_000, dnsMs: 2_000 },
      ...input,
    }),
    { credentials },
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

/** A plugin's verdicts for a subject, a thrown KezError as one verdict marked `thrown`. */
export async function judgeAt(
  plugin: ChannelPlugin,
  subjectText: string,
  env: OwnedChannelEnv,
  now: number,
): Promise<(ProofVerdict & { thrown?: boolean })[]> {
  const subject = parseSubject(subjectText);
  try {
    return (await plugin.locate(subject, env)).map((c) => evaluateCandidate(subject, c, now));
  } catch (e) {
    return [
      { ...verdictOf(e), location: subject.text, owner: { subject: subject.text }, thrown: true },
    ];
  }
}

/** verify id from one subject, with the sig-server as the configured chain source. */
export function verifyWithServer(
  subject: string,
  env: OwnedChannelEnv,
  now: number,
  sigServer: string,
): Promise<IdentityResult> {
  return verifyIdentity(subject, {
    now,
    env,
    registry: defaultRegistry(),
    cache: memoryHeadCache(),
    sigServers: [sigServer],
  });
}
