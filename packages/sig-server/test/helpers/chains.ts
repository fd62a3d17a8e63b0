// Builds real, signed chains with @kez/core for the tests (no hand-made fixtures).
import { generateKeyPairSync, sign } from 'node:crypto';
import '@kez/accel';
import {
  addClaim,
  addDevice,
  applyEvent,
  createGenesis,
  ed25519,
  revokeDevice,
  rotateKey,
  type ChainEvent,
  type ChainState,
  type Signer,
} from '@kez/core';

export const now = (): number => Math.floor(Date.now() / 1000);

/** An Ed25519 signer backed by OpenSSL (node:crypto): the tests sign thousands of events. */
export function newSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return {
    keyId: ed25519.keyId(new Uint8Array(raw)),
    suite: ed25519,
    sign: (m) => new Uint8Array(sign(null, m, privateKey)),
  };
}

let subjectCounter = 0;
export const freshSubject = (): string => `dns:s${process.pid}x${++subjectCounter}.example.com`;

/** A chain as its owner sees it: the events so far and the state they fold to. */
export class TestChain {
  readonly events: ChainEvent[] = [];
  state!: ChainState;

  /** A new chain, or (with `events`) the owner's view of an existing one. */
  constructor(
    public primary: Signer,
    events?: ChainEvent[],
  ) {
    for (const ev of events ?? [createGenesis({ created_at: now() }, primary)]) this.push(ev);
  }

  get identity(): string {
    return this.state.identity;
  }

  get head(): ChainEvent {
    return this.events[this.events.length - 1]!;
  }

  /** Applies an event locally (it must be valid) and records it. */
  push(ev: ChainEvent): ChainEvent {
    this.state = applyEvent(this.events.length ? this.state : null, ev, { now: now() });
    this.events.push(ev);
    return ev;
  }

  /** The next `add` event, not applied: for racing or refused appends. */
  addEvent(signer: Signer = this.primary, subject = freshSubject()): ChainEvent {
    return addClaim(this.state, { subject, created_at: now() }, signer).event;
  }

  add(signer: Signer = this.primary): ChainEvent {
    return this.push(this.addEvent(signer));
  }

  addDeviceEvent(device: Signer, signer: Signer = this.primary): ChainEvent {
    return addDevice(
      this.state,
      { deviceSigner: device, name: 'laptop', created_at: now() },
      signer,
    );
  }

  rotateEvent(newPrimary: Signer, signer: Signer = this.primary): ChainEvent {
    return rotateKey(this.state, { newSigner: newPrimary, created_at: now() }, signer);
  }

  revokeDeviceEvent(device: Signer, signer: Signer = this.primary): ChainEvent {
    return revokeDevice(this.state, { device: device.keyId, created_at: now() }, signer);
  }
}
