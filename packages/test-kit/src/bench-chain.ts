// The benches' long sigchain (packages/kez-core/bench, packages/kez-accel/bench): built with
// OpenSSL signers and a light head-only state (the builders need identity and head), so the
// build does not dominate a run.
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import {
  addClaim,
  addDevice,
  createGenesis,
  ed25519,
  objectHash,
  revokeClaim,
  type ChainEvent,
  type ChainState,
  type Signer,
} from '@kez/core';

/** An Ed25519 signer on node:crypto. */
export function nodeSigner(): Signer {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  return {
    keyId: ed25519.keyId(pub),
    suite: ed25519,
    sign: (msg) => new Uint8Array(nodeSign(null, msg, privateKey)),
  };
}

const signers = { primary: nodeSigner(), device: nodeSigner() };
const headOf = (e: ChainEvent) => ({ seq: e.seq, hash: objectHash(e), created_at: e.created_at });
/** What the builders read of a state. */
const headState = (identity: string, e: ChainEvent) =>
  ({ identity, head: headOf(e) }) as unknown as ChainState;

/** A chain of `n` events stamped before `now`: a device, then claims by turns of the primary
 * and the device, a revoke every 50. */
export function benchChain(n: number, now: number): ChainEvent[] {
  const { primary, device } = signers;
  const g = createGenesis({ created_at: now - 1e6 }, primary);
  const st = headState(`kez:id:${objectHash(g)}`, g);
  const d = addDevice(st, { deviceSigner: device, name: 'bench', created_at: now - 1e6 }, primary);
  return growChain([g, d], n, now);
}

/** Extends `chain` (from benchChain) to `n` events the same way. */
export function growChain(chain: ChainEvent[], n: number, now: number): ChainEvent[] {
  const { primary, device } = signers;
  const events = chain.slice();
  const st = headState(events[events.length - 1]!.identity!, events[events.length - 1]!);
  let last: ReturnType<typeof addClaim>['claim'] | undefined;
  while (events.length < n) {
    const t = now - 1e6 + events.length;
    const e =
      events.length % 50 === 0 && last
        ? revokeClaim(st, { claim: objectHash(last), created_at: t }, primary)
        : (() => {
            const a = addClaim(
              st,
              { subject: `github:u${events.length}`, created_at: t },
              events.length % 2 ? primary : device,
            );
            last = a.claim;
            return a.event;
          })();
    events.push(e);
    st.head = headOf(e);
  }
  return events;
}
