// Signed object shapes (SPEC §4, §5, §6.1, §6.3, §6.9, §7) with closed member sets, per version
// (SPEC §14: a v0.3-only member or form in a "0.2" object is malformed).
import { fail } from './errors.js';
import { isHex, utf8Length } from './bytes.js';
import { parseKeyIdShared } from './keys.js';
import { isCanonicalSubject } from './subjects.js';
import { checkLocator } from './locators.js';
import { isIdentityId } from './identity-id.js';
import { LOGIN_MAX_LIFETIME, MAX_LOCATOR_BYTES, MAX_LOCATORS } from './limits.js';

/** The versions this implementation verifies (SPEC §14.1). */
export const VERSIONS = ['0.2', '0.3'] as const;
export type Version = (typeof VERSIONS)[number];
/** The version new objects are signed with. */
export const VERSION: Version = '0.3';

export interface Claim {
  kez: Version;
  type: 'claim';
  identity: string;
  seq: number;
  subject: string;
  key: string;
  created_at: number;
  expires_at?: number;
  locators?: string[];
  sig: string;
}
export type EventOp = 'init' | 'add' | 'revoke' | 'rotate' | 'add_device' | 'revoke_device';
export interface ChainEvent {
  kez: Version;
  type: 'event';
  identity?: string;
  seq: number;
  prev?: string;
  op: EventOp;
  body: Record<string, unknown>;
  created_at: number;
  key: string;
  sig: string;
}
export interface Login {
  kez: Version;
  type: 'login';
  identity: string;
  key: string;
  audience: string;
  nonce: string;
  created_at: number;
  expires_at: number;
  sig: string;
}
/** SPEC §6.9: a new device asks to join an identity (v0.3 only). */
export interface DeviceRequest {
  kez: '0.3';
  type: 'device_request';
  identity: string;
  key: string;
  name?: string;
  created_at: number;
  sig: string;
}
export type SignedObject = Claim | ChainEvent | Login | DeviceRequest;
export type Unsigned<T> = Omit<T, 'sig'>;

const COMMON = ['kez', 'type', 'key', 'created_at', 'sig'];
const MEMBERS: Record<string, { required: string[]; optional: string[] }> = {
  claim: {
    required: [...COMMON, 'identity', 'seq', 'subject'],
    optional: ['expires_at', 'locators'],
  },
  event: { required: [...COMMON, 'seq', 'op', 'body'], optional: ['identity', 'prev'] },
  login: { required: [...COMMON, 'identity', 'audience', 'nonce', 'expires_at'], optional: [] },
  device_request: { required: [...COMMON, 'identity'], optional: ['name'] },
};
const BODY: Record<EventOp, { required: string[]; optional: string[] }> = {
  init: { required: [], optional: ['next'] },
  add: { required: ['claim'], optional: [] },
  revoke: { required: ['claim'], optional: ['reason'] },
  rotate: { required: ['new_key'], optional: ['next', 'reverse', 'compromised_since'] },
  add_device: { required: ['device'], optional: ['name', 'reverse', 'request'] },
  revoke_device: { required: ['device'], optional: ['compromised_since'] },
};
/** SPEC §14.1: body members a "0.2" event may not carry. */
const V03_BODY_MEMBERS = ['compromised_since', 'request'];

type Obj = Record<string, unknown>;

// Only plain data: a prototype other than Object's could supply members or a toJSON that
// canonicalization would see but the member checks would not.
function isPlainObject(v: unknown): v is Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const has = (o: Obj, k: string) => Object.hasOwn(o, k);

function closedSet(o: Obj, spec: { required: string[]; optional: string[] }, what: string): void {
  for (const k of Object.keys(o)) {
    if (!spec.required.includes(k) && !spec.optional.includes(k))
      fail('malformed', `unknown member ${JSON.stringify(k)} in ${what}`);
  }
  for (const k of spec.required)
    if (!has(o, k)) fail('malformed', `missing member ${JSON.stringify(k)} in ${what}`);
}

function integer(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    fail('malformed', `${name} must be an integer`);
  return v;
}

function str(v: unknown, name: string): string {
  if (typeof v !== 'string') fail('malformed', `${name} must be a string`);
  return v;
}

function deviceName(v: unknown): void {
  if (utf8Length(str(v, 'name')) > 64) fail('malformed', 'name longer than 64 bytes');
}

/** SPEC §6.3: `compromised_since` N names an earlier-or-this seq, 1 ≤ N ≤ e.seq. */
function compromisedSince(body: Obj, seq: number): void {
  if (!has(body, 'compromised_since')) return;
  const n = integer(body.compromised_since, 'compromised_since');
  if (n < 1 || n > seq) fail('malformed', 'compromised_since must be between 1 and the seq');
}

function identityField(v: unknown): void {
  if (!isIdentityId(str(v, 'identity'))) fail('malformed', 'identity must be kez:id:<64 hex>');
}

function hexField(v: unknown, bytes: number, name: string): void {
  if (!isHex(v, bytes)) fail('malformed', `${name} must be ${bytes} bytes of lowercase hex`);
}

/** Checks after the shape, run in SPEC §4 order: version, subjects, keys. */
interface Deferred {
  versions: unknown[];
  subjects: string[];
  keys: string[];
}

function shapeCommon(o: Obj, type: string, d: Deferred): void {
  d.versions.push(o.kez);
  str(o.key, 'key');
  d.keys.push(o.key as string);
  integer(o.created_at, 'created_at');
  hexField(o.sig, 64, 'sig');
  if (type !== o.type) fail('malformed', `expected type ${type}`);
}

function shapeClaim(o: Obj, d: Deferred): void {
  closedSet(o, MEMBERS.claim!, 'claim');
  shapeCommon(o, 'claim', d);
  identityField(o.identity);
  if (integer(o.seq, 'seq') < 1) fail('malformed', 'claim seq must be ≥ 1');
  d.subjects.push(str(o.subject, 'subject'));
  if (has(o, 'expires_at') && integer(o.expires_at, 'expires_at') <= (o.created_at as number)) {
    fail('malformed', 'expires_at must be after created_at');
  }
  if (has(o, 'locators')) {
    const l = o.locators;
    if (!Array.isArray(l) || l.length < 1) fail('malformed', 'locators must be a non-empty array');
    if (l.length > MAX_LOCATORS) fail('too_large', `more than ${MAX_LOCATORS} locators`);
    for (const u of l) {
      if (utf8Length(str(u, 'locator')) > MAX_LOCATOR_BYTES)
        fail('too_large', `locator longer than ${MAX_LOCATOR_BYTES} bytes`);
      checkLocator(u as string);
    }
    if (new Set(l).size !== l.length) fail('malformed', 'locators must be distinct');
  }
}

function shapeEvent(o: Obj, d: Deferred): void {
  closedSet(o, MEMBERS.event!, 'event');
  shapeCommon(o, 'event', d);
  const seq = integer(o.seq, 'seq');
  const op = str(o.op, 'op') as EventOp;
  if (!Object.hasOwn(BODY, op)) fail('malformed', `unknown op ${JSON.stringify(op)}`);
  if ((seq === 0) !== (op === 'init')) fail('malformed', 'seq 0 is init, and init only at seq 0');
  if (seq === 0) {
    if (has(o, 'identity') || has(o, 'prev')) fail('malformed', 'genesis has no identity or prev');
  } else {
    if (!has(o, 'identity') || !has(o, 'prev'))
      fail('malformed', 'identity and prev are required after genesis');
    identityField(o.identity);
    hexField(o.prev, 32, 'prev');
  }
  const body = o.body;
  if (!isPlainObject(body)) fail('malformed', 'body must be an object');
  closedSet(body, BODY[op], `${op} body`);
  const v02 = o.kez === '0.2';
  if (v02) {
    for (const k of V03_BODY_MEMBERS) if (has(body, k)) fail('malformed', `${k} is v0.3 only`);
  }
  switch (op) {
    case 'init':
      if (has(body, 'next')) hexField(body.next, 32, 'next');
      break;
    case 'add':
      if (!isPlainObject(body.claim)) fail('malformed', 'add body.claim must be a claim object');
      shapeClaim(body.claim, d);
      break;
    case 'revoke':
      hexField(body.claim, 32, 'claim');
      if (has(body, 'reason') && utf8Length(str(body.reason, 'reason')) > 256)
        fail('malformed', 'reason longer than 256 bytes');
      break;
    case 'rotate': {
      d.keys.push(str(body.new_key, 'new_key'));
      if (has(body, 'next')) hexField(body.next, 32, 'next');
      // The recovery form (signed by new_key, SPEC §6.3) has no reverse and is v0.3 only; an
      // ordinary rotation without one is refused by the chain rules, which know the primary.
      const recovery = o.key === body.new_key;
      if (v02 && (recovery || !has(body, 'reverse')))
        fail('malformed', 'a v0.2 rotation is signed by the primary and carries reverse');
      if (has(body, 'reverse')) {
        if (recovery) fail('malformed', 'a recovery rotation carries no reverse');
        hexField(body.reverse, 64, 'reverse');
      }
      compromisedSince(body, seq);
      break;
    }
    case 'add_device':
      d.keys.push(str(body.device, 'device'));
      if (has(body, 'name')) deviceName(body.name);
      if (has(body, 'reverse') === has(body, 'request'))
        fail('malformed', 'add_device carries exactly one of reverse and request');
      if (has(body, 'reverse')) hexField(body.reverse, 64, 'reverse');
      else {
        if (!isPlainObject(body.request))
          fail('malformed', 'add_device body.request must be a device request object');
        shapeDeviceRequest(body.request, d);
      }
      break;
    case 'revoke_device':
      d.keys.push(str(body.device, 'device'));
      compromisedSince(body, seq);
      break;
  }
}

function shapeDeviceRequest(o: Obj, d: Deferred): void {
  closedSet(o, MEMBERS.device_request!, 'device_request');
  shapeCommon(o, 'device_request', d);
  if (o.kez === '0.2') fail('malformed', 'device_request is v0.3 only');
  identityField(o.identity);
  if (has(o, 'name')) deviceName(o.name);
}

function shapeLogin(o: Obj, d: Deferred): void {
  closedSet(o, MEMBERS.login!, 'login');
  shapeCommon(o, 'login', d);
  identityField(o.identity);
  const aud = utf8Length(str(o.audience, 'audience'));
  if (aud < 1 || aud > 256) fail('malformed', 'audience must be 1–256 bytes');
  hexField(o.nonce, 16, 'nonce');
  const created = o.created_at as number;
  const expires = integer(o.expires_at, 'expires_at');
  if (expires <= created) fail('malformed', 'expires_at must be after created_at');
  if (expires > created + LOGIN_MAX_LIFETIME)
    fail('too_large', `login lifetime exceeds ${LOGIN_MAX_LIFETIME} s`);
}

/**
 * Structure only (SPEC §4): closed member sets and member types (malformed / too_large), then
 * the version (unsupported_version), then subjects (bad_subject), then key ids (bad_key).
 */
export function parseObject(value: unknown): SignedObject {
  if (!isPlainObject(value)) fail('malformed', 'a signed object must be a JSON object');
  if (!has(value, 'kez')) fail('malformed', 'missing member "kez"');
  const d: Deferred = { versions: [], subjects: [], keys: [] };
  const type = value.type;
  if (type === 'claim') shapeClaim(value, d);
  else if (type === 'event') shapeEvent(value, d);
  else if (type === 'login') shapeLogin(value, d);
  else if (type === 'device_request') shapeDeviceRequest(value, d);
  else fail('malformed', 'type must be claim, event, login or device_request');
  for (const v of d.versions)
    if (!(VERSIONS as readonly unknown[]).includes(v))
      fail('unsupported_version', `unsupported KEZ version ${JSON.stringify(v)}`);
  for (const s of d.subjects)
    if (!isCanonicalSubject(s))
      fail('bad_subject', `subject ${JSON.stringify(s)} is not canonical`);
  for (const k of d.keys) parseKeyIdShared(k);
  return value as unknown as SignedObject;
}
