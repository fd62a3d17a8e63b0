// bluesky: `dev.kez.proof` records in the account's own repo (SPEC §10), whose `proof` is a
// compact claim or a short proof, and short proofs (SPEC §5.2) in the profile description
// (`app.bsky.actor.profile`, rkey `self`). The owner is the repo DID whose DID document names
// the handle back (bluesky-identity.ts); the DID is the stable id. Publishing writes both: the
// record (lexicon: ../lexicons/dev/kez/proof.json) and the short proof in the description,
// where people see it. A record is only counted
// when its at:// URI is in that DID's repo, whatever the PDS returns. Posts are not searched:
// a post holds at most 300 graphemes, and a compact claim is longer than that.
import { KezError, identityHex } from '@kez/core';
import { proofCandidates, shortCandidates } from '../proofs.js';
import type { Candidate, ChannelEnv, ChannelPlugin } from '../types.js';
import { resolveIdentity, type AtprotoIdentity } from './bluesky-identity.js';

export const PROOF_COLLECTION = 'dev.kez.proof';
const PROFILE_COLLECTION = 'app.bsky.actor.profile';
const PAGE = 100;
const MAX_PAGES = 3;
const JSON_TYPES = ['application/json'];

interface ListedRecord {
  uri?: unknown;
  value?: unknown;
}

async function listRecords(
  id: AtprotoIdentity,
  collection: string,
  env: ChannelEnv,
): Promise<ListedRecord[]> {
  const out: ListedRecord[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({
      repo: id.did,
      collection,
      limit: String(PAGE),
      ...(cursor ? { cursor } : {}),
    });
    const res = await env.fetch(`${id.pds}/xrpc/com.atproto.repo.listRecords?${q}`, {
      contentTypes: JSON_TYPES,
    });
    const body = res.json() as { records?: unknown; cursor?: unknown } | null;
    if (!Array.isArray(body?.records))
      throw new KezError('malformed', `${res.url}: no records array`, { url: res.url });
    out.push(...(body.records as ListedRecord[]));
    if (typeof body.cursor !== 'string' || body.records.length < PAGE) break;
    cursor = body.cursor;
  }
  return out;
}

/** The record's URI, when it lies in this DID's repo and collection. */
function ownUri(r: ListedRecord, id: AtprotoIdentity): string | null {
  return typeof r.uri === 'string' && r.uri.startsWith(`at://${id.did}/${PROOF_COLLECTION}/`)
    ? r.uri
    : null;
}

/** The profile description, if the repo has a profile record. */
async function profileDescription(
  id: AtprotoIdentity,
  env: ChannelEnv,
): Promise<{ uri: string; description: string } | null> {
  const q = new URLSearchParams({ repo: id.did, collection: PROFILE_COLLECTION, rkey: 'self' });
  const res = await env.fetch(`${id.pds}/xrpc/com.atproto.repo.getRecord?${q}`, {
    contentTypes: JSON_TYPES,
    passStatuses: [400, 404], // RecordNotFound: no profile yet
  });
  if (res.status !== 200) return null;
  const body = res.json() as { uri?: unknown; value?: { description?: unknown } } | null;
  const uri = `at://${id.did}/${PROFILE_COLLECTION}/self`;
  const description = body?.value?.description;
  return body?.uri === uri && typeof description === 'string' ? { uri, description } : null;
}

/** app.bsky.actor.profile: `description` maxGraphemes 256 (lexicons/app/bsky/actor/profile.json). */
const DESCRIPTION_GRAPHEMES = 256;

const graphemes = (text: string) =>
  [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(text)].length;

/**
 * The profile record with `short` on its own line at the end of the description (every other
 * field kept), or null when the description already holds it. A description with no room is
 * too_large, naming how much to cut.
 */
async function profileWithShort(
  id: AtprotoIdentity,
  short: string,
  env: ChannelEnv,
): Promise<{ record: Record<string, unknown>; cid?: string } | null> {
  const q = new URLSearchParams({ repo: id.did, collection: PROFILE_COLLECTION, rkey: 'self' });
  const res = await env.fetch(`${id.pds}/xrpc/com.atproto.repo.getRecord?${q}`, {
    contentTypes: JSON_TYPES,
    passStatuses: [400, 404], // RecordNotFound: no profile yet
  });
  const body =
    res.status === 200 ? (res.json() as { cid?: unknown; value?: unknown } | null) : null;
  const value =
    body?.value && typeof body.value === 'object' ? (body.value as Record<string, unknown>) : {};
  const old = typeof value.description === 'string' ? value.description : '';
  if (old.includes(short)) return null;
  const description = old ? `${old.replace(/\s+$/, '')}\n${short}` : short;
  const over = graphemes(description) - DESCRIPTION_GRAPHEMES;
  if (over > 0)
    throw new KezError(
      'too_large',
      `the Bluesky profile description has no room for the short proof: remove ${over} characters from it, then publish again`,
      { limit: DESCRIPTION_GRAPHEMES, over },
    );
  return {
    record: { ...value, $type: PROFILE_COLLECTION, description },
    ...(typeof body?.cid === 'string' ? { cid: body.cid } : {}),
  };
}

export const blueskyPlugin: ChannelPlugin = {
  name: 'bluesky',
  async locate(subject, env) {
    const id = await resolveIdentity(subject.id, env);
    const owner = { subject: `bluesky:${id.handle}`, stableId: id.did };
    const [records, profile] = await Promise.all([
      listRecords(id, PROOF_COLLECTION, env),
      profileDescription(id, env),
    ]);
    const candidates: Candidate[] = [];
    for (const r of records) {
      const uri = ownUri(r, id);
      const value = r.value as { $type?: unknown; proof?: unknown } | null;
      if (uri && value?.$type === PROOF_COLLECTION && typeof value.proof === 'string')
        candidates.push(...proofCandidates(value.proof, uri, owner));
    }
    if (profile) candidates.push(...shortCandidates(profile.description, profile.uri, owner));
    return candidates;
  },

  /**
   * Writes the proof record and the short proof in the profile description with the app
   * password the caller passes as the token (the CLI reads BLUESKY_APP_PASSWORD). The
   * password and session token are never logged.
   */
  async publish(p, env) {
    const password = p.token;
    if (!password)
      throw new KezError('not_authorized', 'publishing to Bluesky needs an app password', {
        subject: p.subject.text,
      });
    const id = await resolveIdentity(p.subject.id, env);
    const session = await env.fetch(`${id.pds}/xrpc/com.atproto.server.createSession`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: id.handle, password }),
      contentTypes: JSON_TYPES,
      maxRedirects: 0,
      passStatuses: [400, 401],
    });
    const s = session.json() as { accessJwt?: unknown; did?: unknown };
    if (session.status !== 200 || typeof s?.accessJwt !== 'string')
      throw new KezError(
        'not_authorized',
        `Bluesky login as ${id.handle} failed (HTTP ${session.status})`,
        { url: session.url, status: session.status },
      );
    if (s.did !== id.did)
      throw new KezError('subject_mismatch', `the session is for ${String(s.did)}, not ${id.did}`, {
        did: id.did,
      });
    const auth = { authorization: `Bearer ${s.accessJwt}` };
    // The short proof goes where people see it, the profile description; checked first, so
    // a description with no room fails before anything is written.
    const profile = p.short ? await profileWithShort(id, p.short, env) : null;
    // One record per identity (rkey = the identity hash): publishing again replaces it.
    const rkey = identityHex(p.claim.identity);
    const res = await env.fetch(`${id.pds}/xrpc/com.atproto.repo.putRecord`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({
        repo: id.did,
        collection: PROOF_COLLECTION,
        rkey,
        record: {
          $type: PROOF_COLLECTION,
          proof: p.compact,
          createdAt: new Date(p.now * 1000).toISOString(),
        },
      }),
      contentTypes: JSON_TYPES,
      maxRedirects: 0,
    });
    const uri = (res.json() as { uri?: unknown }).uri;
    if (profile) {
      // swapRecord: the profile is replaced only if nobody changed it since it was read.
      await env.fetch(`${id.pds}/xrpc/com.atproto.repo.putRecord`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({
          repo: id.did,
          collection: PROFILE_COLLECTION,
          rkey: 'self',
          record: profile.record,
          ...(profile.cid ? { swapRecord: profile.cid } : {}),
        }),
        contentTypes: JSON_TYPES,
        maxRedirects: 0,
      });
    }
    return {
      location: typeof uri === 'string' ? uri : `at://${id.did}/${PROOF_COLLECTION}/${rkey}`,
    };
  },
};
