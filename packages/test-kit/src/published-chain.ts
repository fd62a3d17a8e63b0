// A TestChain whose every event is also published to a real sig-server through its HTTP API
// (POST /v1/chains/{identity}/events): the identity a chat or verify test logs in with.
import {
  canonicalize,
  type ChainEvent,
  type ChainState,
  type Signer,
  type SuiteName,
} from '@kez/core';
import { newSigner, now, steppingClock, TestChain } from './chain-builder.js';

/** POSTs one event; returns the HTTP status. */
export async function postEvent(
  sigUrl: string,
  identity: string,
  event: ChainEvent,
): Promise<number> {
  const res = await fetch(`${sigUrl}/v1/chains/${encodeURIComponent(identity)}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: canonicalize(event),
  });
  await res.arrayBuffer();
  return res.status;
}

export class PublishedChain {
  private constructor(
    readonly sigUrl: string,
    readonly chain: TestChain,
  ) {}

  /**
   * A new chain whose genesis the sig-server accepted. Its events are stamped a second apart
   * from a minute ago, so a test's own event stamped a few seconds ago still extends it.
   */
  static async create(sigUrl: string, suite: SuiteName = 'ed25519'): Promise<PublishedChain> {
    const clock = steppingClock(now() - 60);
    const id = new PublishedChain(sigUrl, new TestChain(newSigner(suite), undefined, { clock }));
    await id.publish(id.chain.head);
    return id;
  }

  get identity(): string {
    return this.chain.identity;
  }

  get state(): ChainState {
    return this.chain.state;
  }

  get events(): ChainEvent[] {
    return this.chain.events;
  }

  get primary(): Signer {
    return this.chain.primary;
  }

  private async publish(event: ChainEvent): Promise<void> {
    const status = await postEvent(this.sigUrl, this.identity, event);
    if (status !== 201) throw new Error(`sig-server refused seq ${event.seq}: HTTP ${status}`);
  }

  /** Applies the event locally, then publishes it. */
  async append(event: ChainEvent): Promise<void> {
    await this.publish(this.chain.push(event));
  }

  async addDevice(suite: SuiteName = 'ed25519'): Promise<Signer> {
    const device = newSigner(suite);
    await this.append(this.chain.addDeviceEvent(device));
    return device;
  }

  async revokeDevice(device: Signer): Promise<void> {
    await this.append(this.chain.revokeDeviceEvent(device));
  }

  /** Rotates the primary key; returns the old signer (now rotated away). */
  async rotate(suite: SuiteName = 'ed25519'): Promise<Signer> {
    const old = this.chain.primary;
    const next = newSigner(suite);
    await this.append(this.chain.rotateEvent(next));
    this.chain.primary = next;
    return old;
  }
}
