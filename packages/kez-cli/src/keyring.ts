// Turning stored key records into signers and back: generation, import, lookups by name or id.
import type { Signer } from '@kez/core';
import type { KezCore } from './core.js';
import type { Env } from './context.js';
import { localError, usageError } from './errors.js';
import type { KeyRecord, StoredSuite } from './store.js';

/** `--alg` values of the contract (`nostr`, `ed25519`) and the suite names they stand for. */
export function suiteForAlg(alg: string): StoredSuite {
  if (alg === 'nostr' || alg === 'bip340') return 'bip340';
  if (alg === 'ed25519') return 'ed25519';
  throw usageError(`unknown algorithm '${alg}'`, 'use --alg nostr or --alg ed25519', 'bad_alg');
}

export function recordFromSecret(
  core: KezCore,
  p: { name: string; suite: StoredSuite; secret: Uint8Array; now: number },
): KeyRecord {
  const signer = core.signerFromSecret(p.suite, p.secret);
  return {
    name: p.name,
    suite: p.suite,
    key: signer.keyId,
    secret: core.toHex(p.secret),
    created_at: p.now,
  };
}

export function generateRecord(
  core: KezCore,
  p: { name: string; suite: StoredSuite; now: number },
): KeyRecord {
  return recordFromSecret(core, { ...p, secret: core.suites[p.suite].generateSecret() });
}

export function signerFor(core: KezCore, rec: KeyRecord): Signer {
  const signer = core.signerFromSecret(rec.suite, core.fromHex(rec.secret, 32));
  // A record whose key id does not match its secret would sign as someone else.
  if (signer.keyId !== rec.key) {
    throw localError(
      'store',
      `key file '${rec.name}' is inconsistent: its secret does not belong to ${rec.key}`,
      `restore the key from a backup or remove it with care; \`kez key show ${rec.name}\` shows what is stored`,
    );
  }
  return signer;
}

/** --key NAME, else the default key. */
export function namedOrDefault(env: Env, name: string | undefined): KeyRecord {
  if (name !== undefined) return env.store.readKey(name);
  return env.store.readKey(defaultKeyName(env, 'or pass --key NAME'));
}

/** The store's default key name; `no_key` (its hint ending in `orElse`) when there is none. */
export function defaultKeyName(env: Env, orElse: string): string {
  const def = env.store.readConfig().default_key;
  if (def === undefined)
    throw localError(
      'no_key',
      'no default key in this store',
      `run \`kez key gen\` to make one, ${orElse}`,
    );
  return def;
}

/** The store's identity; `no_identity` with `hint` when the store has none. */
export function storeIdentity(env: Env, hint: string): string {
  const identity = env.store.readConfig().identity;
  if (identity === undefined) throw localError('no_identity', 'this store holds no identity', hint);
  return identity;
}

/** The stored key with this key id; `role` names it in the error. */
export function keyById(env: Env, keyId: string, role: string): KeyRecord {
  const rec = env.store.findKeyById(keyId);
  if (!rec) {
    throw localError(
      'no_key',
      `the ${role} key ${keyId} is not in this store (${env.store.home})`,
      'import it with `kez key import --alg nostr|ed25519 --name NAME` (secret on stdin), or use the store that holds it (--home)',
    );
  }
  return rec;
}
