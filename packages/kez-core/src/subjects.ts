// Account subjects (SPEC §2.2) and canonical domain names (SPEC §2.3).
/// <reference path="./tr46.d.ts" />
import { fail } from './errors.js';
import { toASCII } from 'tr46';
import { asciiLower, utf8Length } from './bytes.js';
import { normalizeKeyId } from './keys.js';

export type Channel = 'dns' | 'github' | 'nostr' | 'bluesky' | 'ap';
export interface Subject {
  channel: Channel;
  id: string;
  text: string;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const GITHUB = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,38}$/;
const AP_USER = /^[a-z0-9_](?:[a-z0-9_.-]{0,62}[a-z0-9_])?$/;
// The WHATWG host parser's "ends in a number": such a name is read as an IPv4 address.
const NUMERIC_LABEL = /^(?:[0-9]+|0x[0-9a-f]*)$/;
// The only ASCII a domain input may hold (SPEC §2.3); any other ASCII (space, '/', '%', '@',
// ':', '_', controls) is refused before mapping, since URL parsers strip or reinterpret it.
const DOMAIN_INPUT_ASCII = /^[A-Za-z0-9.-]$/;
/** SPEC §2.2: a subject (or domain) input longer than this many UTF-8 bytes is refused. */
export const MAX_SUBJECT_INPUT_BYTES = 1024;

/** SPEC §2.3 canonical domain name. */
export function isCanonicalDomain(d: string): boolean {
  if (d.length < 1 || d.length > 253) return false;
  const labels = d.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((l) => LABEL.test(l))) return false;
  return !NUMERIC_LABEL.test(labels[labels.length - 1]!);
}

// SPEC §2.3: UTS #46 ToASCII with the flags of the WHATWG URL "domain to ASCII"
// (beStrict false), only reached for input with non-ASCII code points. tr46 is the
// implementation behind whatwg-url; Node's own URL parser skips the Bidi rule.
const UTS46 = {
  checkBidi: true,
  checkHyphens: false,
  checkJoiners: true,
  ignoreInvalidPunycode: false,
  transitionalProcessing: false,
  useSTD3ASCIIRules: false,
  verifyDNSLength: false,
} as const;

/**
 * Input → canonical domain (SPEC §2.3): one trailing dot dropped, ASCII case folded; input with
 * non-ASCII code points is mapped by UTS #46 (which is also where compatibility characters such
 * as the Kelvin sign become ASCII); the result must then be canonical.
 */
export function normalizeDomain(input: string): string {
  if (
    typeof input !== 'string' ||
    input.length === 0 ||
    utf8Length(input) > MAX_SUBJECT_INPUT_BYTES
  )
    fail('bad_subject', 'bad domain name');
  const d = input.endsWith('.') ? input.slice(0, -1) : input;
  let ascii = true;
  for (const ch of d) {
    if (ch.charCodeAt(0) >= 0x80) ascii = false;
    else if (!DOMAIN_INPUT_ASCII.test(ch)) fail('bad_subject', 'not a domain name');
  }
  const out = ascii ? asciiLower(d) : toASCII(d, UTS46);
  if (out === null) fail('bad_subject', 'domain name fails UTS #46 processing');
  if (!isCanonicalDomain(out)) fail('bad_subject', 'not a canonical domain name (SPEC §2.3)');
  return out;
}

/**
 * An atproto handle (SPEC §2.2): a domain name whose last label starts with a letter, as
 * atproto's handle syntax requires (atproto.com/specs/handle; `alice.3com` is refused).
 */
function normalizeHandle(input: string): string {
  const d = normalizeDomain(input);
  if (!/^[a-z]/.test(d.slice(d.lastIndexOf('.') + 1)))
    fail('bad_subject', 'a Bluesky handle must end in a label that starts with a letter');
  return d;
}

function parseAp(id: string): string {
  const rest = id.startsWith('@') ? id.slice(1) : id;
  const at = rest.indexOf('@');
  if (at < 0) fail('bad_subject', 'ap subject must be @user@host');
  const user = asciiLower(rest.slice(0, at));
  if (!AP_USER.test(user)) fail('bad_subject', 'bad ap user name');
  return `@${user}@${normalizeDomain(rest.slice(at + 1))}`;
}

/** Accepts the input forms of SPEC §2.2 and returns the canonical subject. */
export function parseSubject(input: string): Subject {
  if (typeof input !== 'string' || utf8Length(input) > MAX_SUBJECT_INPUT_BYTES)
    fail('bad_subject', 'subject must be a string of at most 1024 bytes');
  const colon = input.indexOf(':');
  if (colon < 0) fail('bad_subject', 'subject must be channel:id');
  let channel = asciiLower(input.slice(0, colon));
  const raw = input.slice(colon + 1);
  if (channel === 'mastodon') channel = 'ap';
  let id: string;
  switch (channel) {
    case 'dns':
      id = normalizeDomain(raw);
      break;
    case 'bluesky':
      id = normalizeHandle(raw);
      break;
    case 'github':
      id = asciiLower(raw);
      if (!GITHUB.test(id)) fail('bad_subject', 'bad GitHub login');
      break;
    case 'nostr':
      try {
        id = normalizeKeyId(`nostr:${raw}`).slice(6);
      } catch (err) {
        return fail('bad_subject', 'bad nostr account', {}, err);
      }
      break;
    case 'ap':
      id = parseAp(raw);
      break;
    default:
      return fail('bad_subject', `unknown channel ${JSON.stringify(channel)}`);
  }
  return { channel: channel as Channel, id, text: `${channel}:${id}` };
}

export function isCanonicalSubject(text: string): boolean {
  try {
    return parseSubject(text).text === text;
  } catch {
    return false;
  }
}
