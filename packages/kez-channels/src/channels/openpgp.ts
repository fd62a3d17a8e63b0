// openpgp: an e-mail address's key found by Web Key Directory (SPEC §10), the proof a notation
// `kez@kez.dev` (the Keyoxide convention, its own name) on the newest valid self-certification
// of the user id with that address. The owner is the address the domain's WKD serves the key
// for, and only when the key's own signature binds a user id with that address: a notation in
// an unhashed area, on another key's certification, or on another user id is never read.
// WKD's SHA-1 names a mailbox (not a security use); noble keeps this plugin browser-safe.
import { sha1 } from '@noble/hashes/legacy.js';
import { KezError, isKezError, utf8Encode } from '@kez/core';
import { proofCandidates } from '../proofs.js';
import type { Candidate, ChannelEnv, ChannelPlugin, PublishRequest } from '../types.js';

/** SPEC §10 openpgp: the notation name that holds a KEZ proof. */
export const KEZ_NOTATION = 'kez@kez.dev';
const MAX_KEY_BYTES = 256 * 1024;
/** Keys and user ids examined per answer: a WKD answer of thousands cannot make a long check. */
const MAX_KEYS = 8;
const MAX_USERS = 32;
const ZBASE32 = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** z-base-32 (RFC 6189 §5.1.6) of SHA-1 of the local part: the WKD hashed user name. */
export function wkdHash(local: string): string {
  const digest = sha1(utf8Encode(local));
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ZBASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return bits > 0 ? out + ZBASE32[(value << (5 - bits)) & 31] : out;
}

function splitAddress(address: string): [string, string] {
  const at = address.lastIndexOf('@');
  return [address.slice(0, at), address.slice(at + 1)];
}

/** The WKD URLs for an address, advanced method first (draft-koch-openpgp-webkey-service §3.1). */
export function wkdUrls(local: string, domain: string): [advanced: string, direct: string] {
  const tail = `hu/${wkdHash(local)}?l=${encodeURIComponent(local)}`;
  return [
    `https://openpgpkey.${domain}/.well-known/openpgpkey/${domain}/${tail}`,
    `https://${domain}/.well-known/openpgpkey/${tail}`,
  ];
}

/** The key bytes the domain serves for the address: advanced method, else direct. */
async function fetchKeys(
  local: string,
  domain: string,
  env: ChannelEnv,
): Promise<{ url: string; body: Uint8Array } | undefined> {
  let failure: KezError | undefined;
  for (const url of wkdUrls(local, domain)) {
    try {
      const res = await env.fetch(url, { maxBytes: MAX_KEY_BYTES, passStatuses: [404, 410] });
      if (res.status === 200) return { url: res.url, body: res.body };
    } catch (e) {
      if (!isKezError(e)) throw e;
      failure ??= e;
    }
  }
  if (failure) throw failure;
  return undefined;
}

type OpenPgp = typeof import('openpgp');
type Key = Awaited<ReturnType<OpenPgp['readKeys']>>[number];

/** The kez notations of the newest self-certification that verifies for `address`'s user ids. */
async function keyNotations(pgp: OpenPgp, key: Key, address: string): Promise<string[] | null> {
  try {
    await key.verifyPrimaryKey();
  } catch {
    return null; // revoked, expired or unverifiable key: binds nothing
  }
  let bound = false;
  const values: string[] = [];
  for (const user of key.users.slice(0, MAX_USERS)) {
    if (user.userID?.email.toLowerCase() !== address) continue;
    const data = { userID: user.userID, key: key.keyPacket };
    const newestFirst = [...user.selfCertifications].sort(
      (a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0),
    );
    for (const sig of newestFirst) {
      try {
        if (sig.revoked || (await user.isRevoked(sig))) continue;
        await sig.verify(key.keyPacket, pgp.enums.signature.certGeneric, data);
      } catch {
        continue;
      }
      bound = true;
      for (const n of sig.rawNotations)
        if (n.name === KEZ_NOTATION && n.humanReadable)
          values.push(new TextDecoder('utf-8', { fatal: false }).decode(n.value));
      break; // only the newest valid self-certification speaks for the user id
    }
  }
  return bound ? values : null;
}

export const openpgpPlugin: ChannelPlugin = {
  name: 'openpgp',
  async locate(subject, env) {
    const [local, domain] = splitAddress(subject.id);
    env.progress?.(`openpgp: WKD for ${subject.id}`);
    const got = await fetchKeys(local, domain, env);
    if (!got) return [];
    const pgp = await import('openpgp');
    let keys: Key[];
    try {
      keys = await pgp.readKeys({ binaryKeys: got.body });
    } catch (e) {
      throw new KezError('malformed', `the WKD answer for ${subject.id} is not an OpenPGP key`, {
        url: got.url,
        detail: (e as Error).message.slice(0, 200),
      });
    }
    const candidates: Candidate[] = [];
    let bound = false;
    for (const key of keys.slice(0, MAX_KEYS)) {
      const values = await keyNotations(pgp, key, subject.id);
      if (values === null) continue;
      bound = true;
      const fpr = key.getFingerprint();
      const owner = { subject: subject.text, stableId: `openpgp4fpr:${fpr}` };
      for (const v of values) candidates.push(...proofCandidates(v, `${got.url}#${fpr}`, owner));
    }
    if (!bound)
      throw new KezError(
        'subject_mismatch',
        `no valid key at the WKD of ${domain} has a self-signed user id ${subject.id}`,
        { url: got.url },
      );
    return candidates;
  },
  paste: (p: PublishRequest) => {
    const [advanced, direct] = wkdUrls(...splitAddress(p.subject.id));
    return {
      url: advanced,
      field: `a notation on your key (gpg --edit-key ${p.subject.id}, then "notation", this value, "save"; then serve \`gpg --export ${p.subject.id}\` at this URL or at ${direct})`,
      text: `${KEZ_NOTATION}=${p.short}`,
    };
  },
};
