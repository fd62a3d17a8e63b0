// atproto identity, resolved the way the protocol defines it (atproto.com/specs/handle,
// /specs/did): handle → DID from the handle's own DNS (`_atproto.<handle>` TXT "did=…") or,
// failing that, its own web host (https://<handle>/.well-known/atproto-did, which may
// redirect); DID → DID document from the PLC directory (config.plcDirectory) or did:web's
// host; the document's claimed handle — the first syntactically valid at:// entry of
// alsoKnownAs, others ignored — must be <handle> (bidirectional), and it names the PDS
// (#atproto_pds). No third-party resolver (AppView, resolveHandle) is trusted. All HTTP goes
// through env.fetch.
import { isValidHandle } from '@atproto/syntax';
import { KezError, isKezError } from '@kez/core';
import type { ChannelEnv } from '../types.js';

export interface AtprotoIdentity {
  handle: string;
  did: string;
  /** The PDS endpoint from the DID document (#atproto_pds). */
  pds: string;
}

const DID_PLC = /^did:plc:[a-z2-7]{24}$/;
const DID_WEB = /^did:web:[a-z0-9.-]+$/;
const JSON_TYPES = ['application/json', 'application/did+json', 'application/did+ld+json'];

function checkDid(did: string, from: string): string {
  if (!DID_PLC.test(did) && !DID_WEB.test(did))
    throw new KezError('malformed', `${from}: '${did.slice(0, 80)}' is not a did:plc or did:web`, {
      from,
    });
  return did;
}

async function didFromDns(handle: string, env: ChannelEnv): Promise<string | null> {
  const name = `_atproto.${handle}`;
  const dids = new Set(
    (await env.resolveTxt(name))
      .map((r) => r.join(''))
      .filter((t) => t.startsWith('did='))
      .map((t) => t.slice(4)),
  );
  if (dids.size > 1)
    throw new KezError('ambiguous', `${name} names more than one DID`, { name, dids: [...dids] });
  const [did] = dids;
  return did === undefined ? null : checkDid(did, `dns:${name}`);
}

async function didFromWellKnown(handle: string, env: ChannelEnv): Promise<string> {
  // The Host header keeps the handle when config.hostMap sends the request elsewhere (tests).
  // The handle spec allows redirects; any https host will do (the owner check is the DID
  // document naming the handle back, not where the file is served from).
  const res = await env.fetch(`https://${handle}/.well-known/atproto-did`, {
    headers: { host: handle },
    maxBytes: 2048,
    redirectHosts: 'any-https',
  });
  return checkDid(res.text().trim(), res.url);
}

/** handle → DID: DNS first; a DNS failure falls back to the well-known file, whose failure then decides. */
export async function resolveHandle(handle: string, env: ChannelEnv): Promise<string> {
  try {
    const did = await didFromDns(handle, env);
    if (did) return did;
  } catch (e) {
    if (!isKezError(e) || e.status !== 'unreachable') throw e;
  }
  return didFromWellKnown(handle, env);
}

interface DidDocument {
  id?: unknown;
  alsoKnownAs?: unknown;
  service?: unknown;
}

async function didDocument(did: string, env: ChannelEnv): Promise<DidDocument> {
  const url = did.startsWith('did:plc:')
    ? `${env.config.plcDirectory.replace(/\/$/, '')}/${did}`
    : `https://${did.slice('did:web:'.length)}/.well-known/did.json`;
  const doc = (
    await env.fetch(url, { contentTypes: JSON_TYPES, maxBytes: 64 << 10 })
  ).json() as DidDocument | null;
  if (doc?.id !== did)
    throw new KezError('subject_mismatch', `${url} is not the DID document of ${did}`, {
      url,
      did,
    });
  return doc;
}

function pdsOf(doc: DidDocument, did: string): string {
  const services = Array.isArray(doc.service)
    ? (doc.service as Array<{ id?: unknown; type?: unknown; serviceEndpoint?: unknown }>)
    : [];
  const pds = services.find(
    (s) =>
      (s.id === '#atproto_pds' || s.id === `${did}#atproto_pds`) &&
      s.type === 'AtprotoPersonalDataServer',
  );
  if (typeof pds?.serviceEndpoint !== 'string')
    throw new KezError('no_account', `the DID document of ${did} names no PDS`, { did });
  try {
    return new URL(pds.serviceEndpoint).href.replace(/\/$/, '');
  } catch {
    throw new KezError('malformed', `the DID document of ${did} has a bad PDS endpoint`, { did });
  }
}

/**
 * The handle a DID document claims: its first alsoKnownAs entry that is at:// and a
 * syntactically valid handle, lower-cased (atproto.com/specs/did: later entries are ignored).
 */
function claimedHandle(doc: DidDocument): string | undefined {
  const aka = Array.isArray(doc.alsoKnownAs) ? doc.alsoKnownAs : [];
  for (const a of aka) {
    if (typeof a !== 'string' || !a.toLowerCase().startsWith('at://')) continue;
    const h = a.slice(5);
    if (isValidHandle(h)) return h.toLowerCase();
  }
  return undefined;
}

/** handle → DID → DID document (which must name the handle back) → PDS. */
export async function resolveIdentity(handle: string, env: ChannelEnv): Promise<AtprotoIdentity> {
  env.progress?.(`bluesky: resolving ${handle}`);
  const did = await resolveHandle(handle, env);
  const doc = await didDocument(did, env);
  const claimed = claimedHandle(doc);
  if (claimed !== handle) {
    throw new KezError(
      'subject_mismatch',
      `${handle} points to ${did}, but its DID document claims ${claimed ? `at://${claimed}` : 'no handle'}`,
      { handle, did, ...(claimed ? { claimed } : {}) },
    );
  }
  return { handle, did, pds: pdsOf(doc, did) };
}
