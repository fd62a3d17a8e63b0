// The one builder of real, signed sigchains for every package's tests, the demo and the
// benches: an owner's view of a chain (its events and the state they fold to) that makes
// claims, revocations, rotations and devices with @kez/core. The clock is an input: wall time
// for tests against live servers, a stepping clock for deterministic chains.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import {
  addClaim,
  addDevice,
  applyEvent,
  bip340,
  commitment,
  createGenesis,
  ed25519,
  encodeCompact,
  encodeDns,
  encodeMarkdown,
  objectHash,
  revokeClaim,
  revokeDevice,
  rotateKey,
  signerFromSecret,
  type ChainEvent,
  type ChainState,
  type Claim,
  type Signer,
  type SuiteName,
} from '@kez/core';

/** Where a chain's times come from. */
export interface TestClock {
  /** created_at of the next event. */
  stamp(): number;
  /** The time events are applied (verified) at. */
  now(): number;
}

/** Unix seconds now. */
export const now = (): number => Math.floor(Date.now() / 1000);

export const wallClock: TestClock = { stamp: now, now };

/** Stamps start, start + step, …; verifies at `at` or 10 s after the last stamp. */
export function steppingClock(start: number, opts: { step?: number; at?: number } = {}): TestClock {
  const step = opts.step ?? 1;
  let last = start - step;
  return {
    stamp: () => {
      last += step;
      return last;
    },
    now: () => opts.at ?? last + 10,
  };
}

/** The fixed time of the deterministic fixture chain (buildChain). */
export const FIXTURE_NOW = 1_750_000_000;
/** BIP-340 auxiliary randomness of the seeded signers: signatures are reproducible. */
export const AUX = new Uint8Array(32).fill(7);

/** A deterministic signer: one byte repeated into a 32-byte secret. */
export function seededSigner(suite: SuiteName, n: number): Signer {
  return signerFromSecret(suite, new Uint8Array(32).fill(n), { aux: AUX });
}

/** A random signer. Ed25519 signs with OpenSSL (node:crypto): some tests sign thousands. */
export function newSigner(suite: SuiteName = 'ed25519'): Signer {
  if (suite === 'bip340') return signerFromSecret('bip340', bip340.generateSecret());
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  return {
    keyId: ed25519.keyId(new Uint8Array(raw)),
    suite: ed25519,
    sign: (m) => new Uint8Array(sign(null, m, privateKey)),
  };
}

let subjectCounter = 0;
/** A subject no other chain in this process claims. */
export const freshSubject = (): string => `dns:s${process.pid}x${++subjectCounter}.example.com`;

export interface ClaimOptions {
  signer?: Signer;
  expiresAt?: number;
  locators?: string[];
}

export class TestChain {
  readonly events: ChainEvent[] = [];
  /** The claims this chain added, by subject. */
  readonly claims = new Map<string, Claim>();
  state!: ChainState;
  readonly clock: TestClock;

  /**
   * A new chain (genesis signed by `primary`, committing to `next` when given), or with
   * `events` the owner's view of an existing one.
   */
  constructor(
    public primary: Signer,
    events?: ChainEvent[],
    opts: { clock?: TestClock; next?: string } = {},
  ) {
    this.clock = opts.clock ?? wallClock;
    if (events) {
      for (const ev of events) this.push(ev);
      return;
    }
    const created_at = this.clock.stamp();
    this.push(
      createGenesis(
        opts.next === undefined ? { created_at } : { created_at, next: opts.next },
        primary,
      ),
    );
  }

  /** A deterministic chain on a stepping clock: the same seed gives the same identity. */
  static create(opts: { seed?: number; createdAt?: number } = {}): TestChain {
    const signer =
      opts.seed === undefined
        ? signerFromSecret('ed25519', new Uint8Array(randomBytes(32)))
        : seededSigner('ed25519', opts.seed);
    return new TestChain(signer, undefined, {
      clock: steppingClock(opts.createdAt ?? 1_760_000_000),
    });
  }

  get identity(): string {
    return this.state.identity;
  }

  get head(): ChainEvent {
    return this.events[this.events.length - 1] as ChainEvent;
  }

  /** A time at which the whole chain is valid. */
  get now(): number {
    return this.clock.now();
  }

  /** Applies an event locally (it must be valid) and records it. */
  push(ev: ChainEvent): ChainEvent {
    this.state = applyEvent(this.events.length ? this.state : null, ev, { now: this.clock.now() });
    this.events.push(ev);
    return ev;
  }

  private claimEvent(subject: string, p: ClaimOptions): { claim: Claim; event: ChainEvent } {
    return addClaim(
      this.state,
      {
        subject,
        created_at: this.clock.stamp(),
        ...(p.expiresAt === undefined ? {} : { expires_at: p.expiresAt }),
        ...(p.locators === undefined ? {} : { locators: p.locators }),
      },
      p.signer ?? this.primary,
    );
  }

  /** The next `add` event, not applied: for racing or refused appends. */
  addEvent(signer: Signer = this.primary, subject = freshSubject()): ChainEvent {
    return this.claimEvent(subject, { signer }).event;
  }

  /** Adds (and applies) a claim of `subject`. */
  add(subject = freshSubject(), p: ClaimOptions = {}): Claim {
    const { claim, event } = this.claimEvent(subject, p);
    this.push(event);
    this.claims.set(subject, claim);
    return claim;
  }

  /** Revokes (and applies) the claim this chain added for `subject`. */
  revoke(subject: string, reason?: string): ChainEvent {
    const claim = this.claims.get(subject);
    if (!claim) throw new Error(`no claim for ${subject}`);
    const p = { claim: objectHash(claim), created_at: this.clock.stamp() };
    return this.push(
      revokeClaim(this.state, reason === undefined ? p : { ...p, reason }, this.primary),
    );
  }

  /** Rotates (and applies) the primary key to `next`, optionally declaring the old one compromised. */
  rotate(next: Signer = newSigner(), compromisedSince?: number): ChainEvent {
    const ev = this.push(this.rotateEvent(next, this.primary, compromisedSince));
    this.primary = next;
    return ev;
  }

  addDeviceEvent(device: Signer, signer: Signer = this.primary): ChainEvent {
    return addDevice(
      this.state,
      { deviceSigner: device, name: 'laptop', created_at: this.clock.stamp() },
      signer,
    );
  }

  rotateEvent(
    newPrimary: Signer,
    signer: Signer = this.primary,
    compromisedSince?: number,
  ): ChainEvent {
    const p = { newSigner: newPrimary, created_at: this.clock.stamp() };
    return rotateKey(
      this.state,
      compromisedSince === undefined ? p : { ...p, compromisedSince },
      signer,
    );
  }

  revokeDeviceEvent(device: Signer, signer: Signer = this.primary): ChainEvent {
    return revokeDevice(
      this.state,
      { device: device.keyId, created_at: this.clock.stamp() },
      signer,
    );
  }

  static markdown(claim: Claim): string {
    return encodeMarkdown(claim);
  }

  static compact(claim: Claim): Promise<string> {
    return encodeCompact(claim);
  }

  /** The TXT record's character-strings (≤ 255 bytes each) for a claim. */
  static async txtStrings(claim: Claim): Promise<string[]> {
    const presentation = encodeDns(await encodeCompact(claim));
    return [...presentation.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
  }
}

/**
 * The deterministic fixture chain: genesis (committing to `next`), a claim, a device, a
 * rotation to `next` (the other suite), stamped FIXTURE_NOW - 100 … - 70.
 */
export function buildChain(suite: SuiteName = 'ed25519'): {
  events: ChainEvent[];
  state: ChainState;
  primary: Signer;
  next: Signer;
  device: Signer;
} {
  const primary = seededSigner(suite, 11);
  const next = seededSigner(suite === 'ed25519' ? 'bip340' : 'ed25519', 12);
  const device = seededSigner(suite, 13);
  const chain = new TestChain(primary, undefined, {
    clock: steppingClock(FIXTURE_NOW - 100, { step: 10, at: FIXTURE_NOW }),
    next: commitment(next.keyId),
  });
  chain.add('github:alice');
  chain.push(chain.addDeviceEvent(device));
  chain.rotate(next);
  return { events: chain.events, state: chain.state, primary, next, device };
}
