// `verify id` against hostile chain sources (issue 11): a branch signed by a revoked device, a
// relay that hides a revocation behind the wall clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addClaim,
  addDevice,
  applyEvent,
  createGenesis,
  encodeMarkdown,
  revokeDevice,
  signerFromSecret,
  type ChainEvent,
  type ChainState,
  type Signer,
} from '@kez/core';
import {
  defaultRegistry,
  memoryHeadCache,
  sigServerTransport,
  verifyIdentity,
  type OwnedChannelEnv,
} from '../src/index.js';
import {
  startGithubStandin,
  startSigServer,
  type GithubStandin,
  type RunningSigServer,
} from '../src/testing/index.js';
import { loopbackEnv } from './helpers.js';

const T0 = 1_760_000_000;
const signer = (fill: number): Signer => signerFromSecret('ed25519', new Uint8Array(32).fill(fill));

/** Folds events one by one, keeping the state for the next signer call. */
class Chain {
  events: ChainEvent[] = [];
  state!: ChainState;
  constructor(events: ChainEvent[] = []) {
    for (const e of events) this.push(e);
  }
  push(e: ChainEvent): ChainEvent {
    this.state = applyEvent(this.events.length ? this.state : null, e, { now: T0 + 1_000 });
    this.events.push(e);
    return e;
  }
}

let gh: GithubStandin;
let home: RunningSigServer;
let mallorys: RunningSigServer;
let env: OwnedChannelEnv;
const registry = defaultRegistry();

beforeAll(async () => {
  [gh, home, mallorys] = await Promise.all([
    startGithubStandin(),
    startSigServer(),
    startSigServer(),
  ]);
  env = loopbackEnv({
    hostMap: { ...gh.hostMap, 'home.example': home.url, 'mallory.example': mallorys.url },
  });
});
afterAll(async () => {
  await env.close();
  await Promise.all([gh.close(), home.close(), mallorys.close()]);
});

describe('verify id: a branch signed by a revoked device', () => {
  it('is a fork (both heads as evidence), never valid, when the chain names the home holding the revocation', async () => {
    const alice = signer(71);
    const device = signer(72); // stolen by Mallory
    const c = new Chain([createGenesis({ created_at: T0 }, alice)]);
    const { claim: aliceClaim, event: add } = addClaim(
      c.state,
      { subject: 'github:alice-b', created_at: T0 + 1, locators: ['https://home.example'] },
      alice,
    );
    c.push(add);
    c.push(addDevice(c.state, { deviceSigner: device, name: 'laptop', created_at: T0 + 2 }, alice));
    const prefix = new Chain(c.events);
    c.push(revokeDevice(c.state, { device: device.keyId, created_at: T0 + 3 }, alice));
    await sigServerTransport.publishEvents!(home.url, c.state.identity, c.events, env);

    // Mallory's seq-3 event, valid against the state before the revocation.
    const { claim: malloryClaim, event: branch } = addClaim(
      prefix.state,
      { subject: 'github:mallory-b', created_at: T0 + 3, locators: ['https://mallory.example'] },
      device,
    );
    prefix.push(branch);
    await sigServerTransport.publishEvents!(mallorys.url, c.state.identity, prefix.events, env);

    gh.addUser('alice-b');
    gh.addGist('alice-b', { 'kez.md': encodeMarkdown(aliceClaim) });
    gh.addUser('mallory-b');
    gh.addGist('mallory-b', { 'kez.md': encodeMarkdown(malloryClaim) });

    const r = await verifyIdentity('github:mallory-b', {
      now: T0 + 100,
      env,
      registry,
      cache: memoryHeadCache(),
      sigServers: [],
    });
    expect(r.status).toBe('fork');
    expect(r.chain).toMatchObject({ status: 'fork', code: 'fork' });
    expect(r.chain?.sources.map((s) => s.locator).sort()).toEqual([
      'https://home.example',
      'https://mallory.example',
    ]);
    const heads = r.chain?.sources.map((s) => s.head?.hash).sort();
    expect((r.chain?.evidence as { hashes?: string[] })?.hashes?.sort()).toEqual(heads);
    expect(r.edges.every((e) => e.status !== 'valid')).toBe(true);
  });
});
