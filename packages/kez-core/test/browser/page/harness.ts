// Runs inside Chromium (bundled by vite from the built dist): exercises @kez/core end to end
// and reports plain JSON results; browser.test.ts asserts them against the vectors file.
import * as kez from '../../../dist/index.js';

type Json = any;
type Outcome = { status?: string; code?: string; error?: string };

const brief = (v: { status: string; code?: string }): Outcome => ({
  status: v.status,
  ...(v.code === undefined ? {} : { code: v.code }),
});
const canon = (o: unknown) => kez.canonicalize(o);

// A thrown non-KezError is reported as such, so the test can tell a crash from a verdict.
function outcome(fn: () => { status: string; code?: string }): Outcome {
  try {
    return brief(fn());
  } catch (err) {
    return err instanceof kez.KezError
      ? brief(kez.verdictOf(err))
      : { error: String((err as Error)?.stack ?? err) };
  }
}

/** Fresh keys, a genesis + claim chain and a claim through all four encodings, per suite. */
async function freshChains(now: number) {
  const out: Record<string, Json> = {};
  for (const suite of ['ed25519', 'bip340'] as const) {
    const signer = kez.signerFromSecret(suite, kez.suites[suite].generateSecret());
    const genesis = kez.createGenesis({ created_at: now - 100 }, signer);
    const state = kez.applyEvent(null, genesis, { now });
    const { claim, event } = kez.addClaim(
      state,
      { subject: 'github:alice', created_at: now - 50 },
      signer,
    );
    const chain = kez.verifyChain(kez.exportBundle([genesis, event]), { now });
    const encodings: Record<string, Json> = {};
    for (const enc of kez.ENCODINGS) {
      try {
        const text = await kez.encode(claim, enc);
        encodings[enc] = {
          detected: kez.detectEncoding(text),
          roundTrips: canon(kez.decodeAs(text, enc)) === canon(claim),
          verify: brief(kez.verifyClaim(text, { now })),
        };
      } catch (err) {
        encodings[enc] = { error: String((err as Error)?.stack ?? err) };
      }
    }
    // A signature from another key of the same suite must not verify (no false valid).
    const other = kez.signerFromSecret(suite, kez.suites[suite].generateSecret());
    const forged = { ...claim, sig: kez.toHex(other.sign(kez.signingInput(claim))) };
    out[suite] = {
      keyId: signer.keyId,
      identity: claim.identity,
      chain: { ...brief(chain), headSeq: chain.state?.head.seq, claims: chain.state?.claims.size },
      claimStatus: brief(kez.claimStatus(claim, chain, { now })),
      encodings,
      forged: outcome(() => kez.verifyClaim(forged, { now })),
    };
  }
  return out;
}

/** The committed SPEC vectors: positive objects in every encoding, chains, all negatives. */
function vectorResults(V: Json) {
  const now = V.now;
  const chains = new Map<string, kez.ChainResult>();
  const chainOut: Record<string, Outcome> = {};
  for (const c of V.chains) {
    const r = kez.verifyChain(c.bundle, { now });
    chains.set(c.name, r);
    chainOut[c.name] = brief(r);
  }
  const objects: Record<string, Json> = {};
  for (const v of V.objects) {
    const per: Record<string, Json> = {};
    for (const enc of kez.ENCODINGS) {
      const text = v.encodings[enc];
      per[enc] = outcome(() => kez.verifyObject(text, { now }));
      try {
        per[enc].roundTrips = canon(kez.decodeAs(text, enc)) === canon(v.object);
      } catch (err) {
        per[enc].roundTrips = String(err);
      }
    }
    if (v.type === 'login')
      per.login = outcome(() =>
        kez.verifyLogin(v.object, { now, audience: v.audience, chain: chains.get(v.chain)! }),
      );
    objects[v.name] = per;
  }
  const negative: Record<string, Outcome> = {};
  for (const v of V.negative) {
    negative[v.name] = outcome(() => {
      if (v.check === 'chain') return kez.verifyChain(v.input, { now });
      const obj = kez.decodeAs(v.input, v.encoding);
      if (v.check === 'object') return kez.verifyObject(obj, { now });
      if (v.check === 'claim') return kez.verifyClaim(obj, { now });
      if (v.check === 'login')
        return kez.verifyLogin(obj, { now, audience: v.audience, chain: chains.get(v.chain)! });
      throw new Error(`unknown check ${v.check}`);
    });
  }
  return { chains: chainOut, objects, negative };
}

async function run(vectorsText: string) {
  const V = JSON.parse(vectorsText);
  return {
    env: {
      hasProcess: typeof (globalThis as Json).process !== 'undefined',
      hasBuffer: typeof (globalThis as Json).Buffer !== 'undefined',
    },
    fresh: await freshChains(V.now),
    vectors: vectorResults(V),
  };
}

(globalThis as Json).kezHarness = { run };
