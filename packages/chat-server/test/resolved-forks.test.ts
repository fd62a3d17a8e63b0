// SPEC §6.8 at the door: a fork a retired key files is resolved, not a lock-out. A stolen
// device (revoked) or a rotated-away primary posts a valid rival at a position before its
// retirement; the real sig-server keeps it as fork evidence and flags the chain (`fork: true`
// in its head), and the real chat-server, judging main line + /forks by §6.8, still admits the
// owner and every active device, and refuses the retired key for its retirement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { addClaim, cloneChainState, type ChainState, type Signer } from '@kez/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { buildLoginToken } from '@kez/chat-client';
import {
  AUDIENCE,
  connectWithToken,
  runChat,
  until,
  type RunningChat,
} from './support/chat-harness.js';
import { PublishedChain, postEvent } from '@kez/test-kit/published-chain';
import { freshSubject, now } from '@kez/test-kit/chain-builder';

let chat: RunningChat;
const open: NatsConnection[] = [];

beforeAll(async () => {
  chat = await runChat();
});

afterAll(async () => {
  await Promise.allSettled(open.map((nc) => nc.close()));
  await chat.stop();
});

async function admitted(signer: Signer, identity: string): Promise<void> {
  const nc = await connectWithToken(buildLoginToken(signer, identity, AUDIENCE));
  open.push(nc);
}

async function refused(signer: Signer, identity: string, code: string): Promise<void> {
  const before = chat.logs.length;
  await expect(connectWithToken(buildLoginToken(signer, identity, AUDIENCE))).rejects.toThrow(
    /authorization violation/i,
  );
  const done = () => chat.logs.slice(before).find((l) => String(l.msg).startsWith('login refused'));
  expect(await until(() => done() !== undefined)).toBe(true);
  expect(done()?.code).toBe(code);
}

/** A claim signed by `signer` against `state` (the position after it): a thief's rival. */
function rival(state: ChainState, signer: Signer): ReturnType<typeof addClaim>['event'] {
  return addClaim(state, { subject: freshSubject(), created_at: now() - 2 }, signer).event;
}

async function headOf(identity: string): Promise<{ seq: number; fork: boolean }> {
  const res = await fetch(`${inject('sigUrl')}/v1/chains/${encodeURIComponent(identity)}/head`);
  return (await res.json()) as { seq: number; fork: boolean };
}

describe('a fork filed by a retired key (SPEC §6.8) does not lock the owner out', () => {
  it('a revoked device files rivals at and before its revocation: owner and active device in, the device refused', async () => {
    const bob = await PublishedChain.create(inject('sigUrl'));
    const laptop = await bob.addDevice(); // seq 1
    const afterLaptop = cloneChainState(bob.state);
    const phone = await bob.addDevice(); // seq 2
    const beforeRevoke = cloneChainState(bob.state);
    await bob.revokeDevice(laptop); // seq 3
    await admitted(bob.primary, bob.identity); // the chain as the owner wrote it, cached

    // The stolen laptop's rivals: at the revocation's seq, and one before it.
    expect(await postEvent(inject('sigUrl'), bob.identity, rival(beforeRevoke, laptop))).toBe(409);
    expect(await postEvent(inject('sigUrl'), bob.identity, rival(afterLaptop, laptop))).toBe(409);
    expect(await headOf(bob.identity)).toMatchObject({ seq: 3, fork: true });

    await admitted(bob.primary, bob.identity);
    await admitted(phone, bob.identity);
    await refused(laptop, bob.identity, 'device_revoked');
    // And from cold (no cached prefix): the same verdicts.
    await chat.stop();
    chat = await runChat();
    await refused(laptop, bob.identity, 'device_revoked');
    await admitted(phone, bob.identity);
    await admitted(bob.primary, bob.identity);
  });

  it('a rotated-away primary files rivals at and before the rotation: the new primary and a device in, the old key refused', async () => {
    const carol = await PublishedChain.create(inject('sigUrl'));
    const genesisState = cloneChainState(carol.state);
    const tablet = await carol.addDevice(); // seq 1
    const beforeRotate = cloneChainState(carol.state);
    const old = await carol.rotate(); // seq 2
    await admitted(carol.primary, carol.identity);

    expect(await postEvent(inject('sigUrl'), carol.identity, rival(beforeRotate, old))).toBe(409);
    expect(await postEvent(inject('sigUrl'), carol.identity, rival(genesisState, old))).toBe(409);
    expect(await headOf(carol.identity)).toMatchObject({ seq: 2, fork: true });

    await admitted(carol.primary, carol.identity);
    await admitted(tablet, carol.identity);
    await refused(old, carol.identity, 'key_rotated');
  });
});
