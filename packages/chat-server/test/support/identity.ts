// A KEZ identity for tests: keys, a sigchain built with @kez/core, and its events published
// to the real sig-server through its HTTP API (POST /v1/chains/{identity}/events).
import {
  addDevice,
  applyEvent,
  canonicalize,
  createGenesis,
  ed25519,
  bip340,
  revokeDevice,
  rotateKey,
  signerFromSecret,
  type ChainEvent,
  type ChainState,
  type Signer,
  type SuiteName,
} from '@kez/core';

export const now = (): number => Math.floor(Date.now() / 1000);

export function newSigner(suite: SuiteName = 'ed25519'): Signer {
  const s = suite === 'ed25519' ? ed25519 : bip340;
  return signerFromSecret(suite, s.generateSecret());
}

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

export class TestIdentity {
  events: ChainEvent[] = [];
  state!: ChainState;

  private constructor(
    readonly sigUrl: string,
    public primary: Signer,
  ) {}

  static async create(sigUrl: string, suite: SuiteName = 'ed25519'): Promise<TestIdentity> {
    const id = new TestIdentity(sigUrl, newSigner(suite));
    const genesis = createGenesis({ created_at: now() - 60 }, id.primary);
    id.state = applyEvent(null, genesis, { now: now() });
    id.events.push(genesis);
    const status = await postEvent(sigUrl, id.identity, genesis);
    if (status !== 201) throw new Error(`sig-server refused the genesis: HTTP ${status}`);
    return id;
  }

  get identity(): string {
    return this.state.identity;
  }

  async append(event: ChainEvent): Promise<void> {
    this.state = applyEvent(this.state, event, { now: now() });
    this.events.push(event);
    const status = await postEvent(this.sigUrl, this.identity, event);
    if (status !== 201) throw new Error(`sig-server refused seq ${event.seq}: HTTP ${status}`);
  }

  async addDevice(suite: SuiteName = 'ed25519'): Promise<Signer> {
    const device = newSigner(suite);
    await this.append(
      addDevice(
        this.state,
        { deviceSigner: device, name: 'laptop', created_at: now() - 30 },
        this.primary,
      ),
    );
    return device;
  }

  async revokeDevice(device: Signer): Promise<void> {
    await this.append(
      revokeDevice(this.state, { device: device.keyId, created_at: now() - 20 }, this.primary),
    );
  }

  /** Rotates the primary key; returns the old signer (now rotated away). */
  async rotate(suite: SuiteName = 'ed25519'): Promise<Signer> {
    const old = this.primary;
    const next = newSigner(suite);
    await this.append(rotateKey(this.state, { newSigner: next, created_at: now() - 10 }, old));
    this.primary = next;
    return old;
  }
}
