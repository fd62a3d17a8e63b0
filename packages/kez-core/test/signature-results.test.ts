// Signature checks made ahead of the fold (what @kez/accel's worker pool hands verifyChain):
// the fold takes a check only for the bytes it hashed itself, so stale, shifted or partial
// results never change a verdict, and a bad signature anywhere fails exactly as serially.
import { describe, expect, it } from 'vitest';
import {
  approveDevice,
  createDeviceRequest,
  eventSignatures,
  exportBundle,
  getPrimitives,
  objectHash,
  setPrimitives,
  signObject,
  SIGNATURE_KINDS,
  verifyChain,
  type ChainEvent,
  type Primitives,
  type Signer,
  type SignatureResults,
} from '../src/index.js';
import {
  buildChain,
  FIXTURE_NOW as NOW,
  seededSigner,
  TestChain,
  steppingClock,
} from '@kez/test-kit/chain-builder';
import { signaturesAhead } from '@kez/test-kit/signatures-ahead';

const now = { now: NOW };

const fixture = buildChain('ed25519');

/** The fixture chain (claim, device with reverse, rotation with reverse), then 6 claims by the
 * new primary. */
function longChain(): ChainEvent[] {
  const chain = new TestChain(fixture.next, fixture.events, {
    clock: steppingClock(NOW - 60, { step: 1, at: NOW }),
  });
  for (let i = 0; i < 6; i++) chain.add(`github:u${i}`);
  return chain.events;
}

/**
 * A copy of `events` where `edit` changes the event at `seq`; with `signer`, the event is
 * signed again, so only the signature `edit` broke inside it is bad.
 */
function tampered(
  events: ChainEvent[],
  seq: number,
  edit: (e: Record<string, any>) => void,
  signer?: Signer,
): ChainEvent[] {
  return events.map((e) => {
    if (e.seq !== seq) return e;
    const copy = structuredClone(e) as Record<string, any>;
    edit(copy);
    if (!signer) return copy as ChainEvent;
    const { sig: _sig, ...unsigned } = copy;
    return signObject<ChainEvent>(unsigned as Omit<ChainEvent, 'sig'>, signer);
  });
}
const flip = (hex: string) => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;

describe('eventSignatures', () => {
  it('finds every signature an event carries', () => {
    const [genesis, add, device, rotate] = fixture.events;
    const kinds = (e: unknown) =>
      SIGNATURE_KINDS.filter((_k, i) => eventSignatures(e).verified & (1 << i));
    expect(kinds(genesis)).toEqual(['event']);
    expect(kinds(add)).toEqual(['event', 'claim']);
    expect(kinds(device)).toEqual(['event', 'reverse']);
    expect(kinds(rotate)).toEqual(['event', 'reverse']);
    expect(eventSignatures(add).hash).toBe(objectHash(add!));
  });
  it('vouches for nothing it cannot read or verify', () => {
    const add = fixture.events[1]!;
    expect(eventSignatures({ junk: true })).toEqual({ hash: '', verified: 0 });
    const edit = (e: Record<string, any>) => (e.body.claim.sig = flip(e.body.claim.sig));
    // The event's signature covers its body: with the claim's broken, neither verifies …
    expect(eventSignatures(tampered([add], 1, edit)[0]).verified).toBe(0);
    // … until the event is signed again: then only the event's own does.
    expect(eventSignatures(tampered([add], 1, edit, fixture.primary)[0]).verified).toBe(1);
  });
});

describe('verifyChain with signatures checked ahead', () => {
  it('takes every check it is given: no primitive runs in the fold', () => {
    const events = longChain();
    const calls = { n: 0 };
    const saved = getPrimitives();
    const counting: Primitives = {
      ...saved,
      name: 'counting',
      ed25519Verify(...a) {
        calls.n++;
        return saved.ed25519Verify(...a);
      },
      schnorrVerify(...a) {
        calls.n++;
        return saved.schnorrVerify(...a);
      },
    };
    const ahead = signaturesAhead(events); // checked before counting starts
    setPrimitives(counting);
    try {
      const serial = verifyChain(events, now);
      const serialCalls = calls.n;
      calls.n = 0;
      expect(verifyChain(events, { ...now, signatures: ahead })).toEqual(serial);
      expect(serial.status).toBe('valid');
      expect(serialCalls).toBeGreaterThan(events.length);
      expect(calls.n).toBe(0);
    } finally {
      setPrimitives(saved);
    }
  });

  type Case = [string, number, (e: Record<string, any>) => void, Signer | undefined, string];
  const cases: Case[] = [
    ['the event signature', 5, (e) => (e.sig = flip(e.sig)), undefined, 'bad_signature'],
    [
      'a claim signature',
      6,
      (e) => (e.body.claim.sig = flip(e.body.claim.sig)),
      fixture.next,
      'bad_signature',
    ],
    [
      'a device reverse signature',
      2,
      (e) => (e.body.reverse = flip(e.body.reverse)),
      fixture.primary,
      'bad_reverse',
    ],
    [
      'a rotation reverse signature',
      3,
      (e) => (e.body.reverse = flip(e.body.reverse)),
      fixture.primary,
      'bad_reverse',
    ],
  ];
  for (const [what, seq, edit, signer, code] of cases) {
    it(`${what} bad in the middle: the same failure and place, whatever results are given`, () => {
      const good = longChain();
      const bad = tampered(good, seq, edit, signer);
      const serial = verifyChain(exportBundle(bad), now);
      expect(serial.status).toBe('invalid');
      expect(serial.evidence.seq).toBe(seq);
      expect(serial.code).toBe(code);
      for (const results of [signaturesAhead(bad), signaturesAhead(good)]) {
        const r = verifyChain(exportBundle(bad), { ...now, signatures: results });
        expect(r).toEqual(serial);
        expect(results.used).toBeGreaterThan(0);
      }
    });
  }

  it('results at the wrong positions (or for another chain) are not taken', () => {
    const events = longChain();
    const ahead = signaturesAhead(events);
    const shifted: SignatureResults = { at: (i) => ahead.at(i + 1) };
    const serial = verifyChain(events, now);
    expect(verifyChain(events, { ...now, signatures: shifted })).toEqual(serial);
    // A result that vouches for every kind, for bytes the fold never sees, changes nothing.
    const lying: SignatureResults = { at: () => ({ hash: objectHash(events[0]!), verified: 15 }) };
    const bad = tampered(events, 4, (e) => (e.sig = flip(e.sig)));
    expect(verifyChain(bad, { ...now, signatures: lying })).toEqual(verifyChain(bad, now));
  });

  it('a device request (SPEC §6.9) is vouched for as its own kind', () => {
    const primary = seededSigner('ed25519', 21);
    const device = seededSigner('bip340', 22);
    const chain = new TestChain(primary, undefined, {
      clock: steppingClock(NOW - 50, { step: 1, at: NOW }),
    });
    const request = createDeviceRequest(
      { identity: chain.identity, created_at: NOW - 40, name: 'phone' },
      device,
    );
    chain.push(approveDevice(chain.state, { request, created_at: NOW - 30 }, primary));
    const event = chain.events[1]!;
    expect(eventSignatures(event).verified).toBe(1 | 8);
    const serial = verifyChain(chain.events, now);
    expect(serial.status).toBe('valid');
    expect(
      verifyChain(chain.events, { ...now, signatures: signaturesAhead(chain.events) }),
    ).toEqual(serial);
    const bad = tampered(
      chain.events,
      1,
      (e) => (e.body.request.sig = flip(e.body.request.sig)),
      primary,
    );
    const badSerial = verifyChain(bad, now);
    expect(badSerial.code).toBe('bad_reverse');
    for (const results of [signaturesAhead(bad), signaturesAhead(chain.events)])
      expect(verifyChain(bad, { ...now, signatures: results })).toEqual(badSerial);
  });
});
