// Builds signed identities for tests and the bench: a chain with claims, revocations and
// rotations, from fixed or random Ed25519 seeds (deterministic when a seed is given).
import {
  addClaim,
  applyEvent,
  createGenesis,
  encodeCompact,
  encodeDns,
  encodeMarkdown,
  objectHash,
  revokeClaim,
  rotateKey,
  signerFromSecret,
  type ChainEvent,
  type ChainState,
  type Claim,
  type Signer,
} from '@kez/core';
import { randomBytes } from 'node:crypto';

export class TestIdentity {
  readonly events: ChainEvent[] = [];
  readonly claims = new Map<string, Claim>();
  private state: ChainState;
  private clock: number;

  private constructor(
    public signer: Signer,
    genesis: ChainEvent,
    createdAt: number,
  ) {
    this.clock = createdAt;
    this.state = applyEvent(null, genesis, { now: createdAt });
    this.events.push(genesis);
  }

  /** seed: one byte repeated into a 32-byte Ed25519 seed (deterministic), or random. */
  static create(opts: { seed?: number; createdAt?: number } = {}): TestIdentity {
    const secret =
      opts.seed === undefined
        ? new Uint8Array(randomBytes(32))
        : new Uint8Array(32).fill(opts.seed);
    const signer = signerFromSecret('ed25519', secret);
    const createdAt = opts.createdAt ?? 1_760_000_000;
    return new TestIdentity(signer, createGenesis({ created_at: createdAt }, signer), createdAt);
  }

  get identity(): string {
    return this.state.identity;
  }

  private push(event: ChainEvent): ChainEvent {
    this.state = applyEvent(this.state, event, { now: this.clock });
    this.events.push(event);
    return event;
  }

  add(subject: string, p: { expiresAt?: number; locators?: string[] } = {}): Claim {
    this.clock += 1;
    const { claim, event } = addClaim(
      this.state,
      { subject, created_at: this.clock, expires_at: p.expiresAt, locators: p.locators },
      this.signer,
    );
    this.push(event);
    this.claims.set(subject, claim);
    return claim;
  }

  revoke(subject: string, reason?: string): ChainEvent {
    this.clock += 1;
    const claim = this.claims.get(subject);
    if (!claim) throw new Error(`no claim for ${subject}`);
    return this.push(
      revokeClaim(
        this.state,
        { claim: objectHash(claim), reason, created_at: this.clock },
        this.signer,
      ),
    );
  }

  rotate(): ChainEvent {
    this.clock += 1;
    const next = signerFromSecret('ed25519', new Uint8Array(randomBytes(32)));
    const ev = this.push(
      rotateKey(this.state, { newSigner: next, created_at: this.clock }, this.signer),
    );
    this.signer = next;
    return ev;
  }

  get now(): number {
    return this.clock + 10;
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
    return [...presentation.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  }
}
