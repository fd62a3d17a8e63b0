// Account subjects (SPEC §2.2) and canonical domain names (SPEC §2.3).
/// <reference path="./tr46.d.ts" />
import { fail } from './errors.js';
import { toASCII } from 'tr46';
import { asciiLower, utf8Length } from './bytes.js';
import { normalizeKeyId } from './keys.js';

export interface Subject {
  channel: Channel;
  id: string;
  text: string;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
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
 * A user-name rule (SPEC §2.2 table): the input must be ASCII; letters are folded as `fold`
 * says, nothing else is mapped; then every character must be in `chars`, the first in `first`,
 * the last in `last`, no two characters of `lone` adjacent, and the length in [min, max].
 */
interface NameRule {
  chars: string;
  first?: string;
  last?: string;
  lone?: string;
  min: number;
  max: number;
  fold: 'lower' | 'none';
  notSuffix?: readonly string[];
}

/** How a channel's id is read: a domain, a name, `name@host`, or a channel's own parser. */
type Grammar =
  | { kind: 'domain' }
  | { kind: 'name'; name: NameRule }
  | { kind: 'account'; name: NameRule; lead?: '@'; matrixForm?: boolean }
  | { kind: 'own'; parse: (raw: string) => string };

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const ALNUM = LOWER + DIGITS;
const BOTH = LOWER + UPPER + DIGITS;

function nostrId(raw: string): string {
  try {
    return normalizeKeyId(`nostr:${raw}`).slice(6);
  } catch (err) {
    return fail('bad_subject', 'bad nostr account', {}, err);
  }
}

// ORCID iD: 16 characters in four groups, the last a ISO 7064 MOD 11-2 check character
// (https://support.orcid.org/hc/en-us/articles/360006897674).
const ORCID = /^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$/;
function orcidId(raw: string): string {
  const id = raw.replace(/x$/, 'X');
  if (!ORCID.test(id)) fail('bad_subject', 'ORCID iD must be 0000-0000-0000-000X');
  const digits = id.replace(/-/g, '');
  let total = 0;
  for (const d of digits.slice(0, 15)) total = (total + Number(d)) * 2;
  const check = (12 - (total % 11)) % 11;
  if (digits[15] !== (check === 10 ? 'X' : String(check)))
    fail('bad_subject', 'ORCID iD check character is wrong');
  return id;
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

/** SPEC §2.2: channel → grammar of its id. Adding a channel is adding a row. */
const GRAMMARS = {
  dns: { kind: 'domain' },
  web: { kind: 'domain' },
  owncast: { kind: 'domain' },
  github: {
    kind: 'name',
    name: {
      chars: `${ALNUM}-`,
      first: ALNUM,
      last: ALNUM,
      lone: '-',
      min: 1,
      max: 39,
      fold: 'lower',
    },
  },
  nostr: { kind: 'own', parse: nostrId },
  bluesky: { kind: 'own', parse: normalizeHandle },
  ap: {
    kind: 'account',
    lead: '@',
    name: {
      chars: `${ALNUM}_.-`,
      first: `${ALNUM}_`,
      last: `${ALNUM}_`,
      min: 1,
      max: 64,
      fold: 'lower',
    },
  },
  // RFC 7622 §3.3.1: a localpart is any character but these; KEZ takes its ASCII subset.
  xmpp: {
    kind: 'account',
    name: { chars: asciiExcept(' "&\'/:<>@'), min: 1, max: 1023, fold: 'lower' },
  },
  // RFC 2812 §2.3.1 nickname characters; InspIRCd's default maximum length (30).
  irc: {
    kind: 'account',
    name: {
      chars: `${ALNUM}[]\\\`_^{|}-`,
      first: `${LOWER}[]\\\`_^{|}`,
      min: 1,
      max: 30,
      fold: 'lower',
    },
  },
  // Matrix spec, appendices "User Identifiers": localpart characters; ids are at most 255 bytes.
  matrix: {
    kind: 'account',
    matrixForm: true,
    name: { chars: `${ALNUM}._=-/+`, min: 1, max: 253, fold: 'lower' },
  },
  // RFC 5322 dot-atom local part (RFC 5321: at most 64 octets); WKD lower-cases it.
  openpgp: {
    kind: 'account',
    name: {
      chars: `${ALNUM}!#$%&'*+/=?^_\`{|}~.-`,
      first: `${ALNUM}!#$%&'*+/=?^_\`{|}~-`,
      last: `${ALNUM}!#$%&'*+/=?^_\`{|}~-`,
      lone: '.',
      min: 1,
      max: 64,
      fold: 'lower',
    },
  },
  // GitLab Gitlab::PathRegex namespace format; usernames are case-insensitive, 2–255.
  gitlab: {
    kind: 'account',
    name: {
      chars: `${ALNUM}_.-`,
      first: `${ALNUM}_.`,
      last: `${ALNUM}_-`,
      min: 2,
      max: 255,
      fold: 'lower',
      notSuffix: ['.git', '.atom'],
    },
  },
  // Gitea/Forgejo user name: alphanumerics with single '-', '_' or '.' between them, ≤ 40.
  gitea: {
    kind: 'account',
    name: {
      chars: `${ALNUM}-_.`,
      first: ALNUM,
      last: ALNUM,
      lone: '-_.',
      min: 1,
      max: 40,
      fold: 'lower',
    },
  },
  // Discourse UsernameValidator: word characters, '.', '-'; no two specials in a row; ≤ 60.
  discourse: {
    kind: 'account',
    name: {
      chars: `${ALNUM}_.-`,
      first: `${ALNUM}_`,
      last: ALNUM,
      lone: '_.-',
      min: 1,
      max: 60,
      fold: 'lower',
    },
  },
  // Hacker News: letters, digits, '-' and '_', 2–15 characters; names are case-sensitive.
  hackernews: { kind: 'name', name: { chars: `${BOTH}-_`, min: 2, max: 15, fold: 'none' } },
  // Reddit: 3–20 of letters, digits, '-', '_'; case-insensitive.
  reddit: { kind: 'name', name: { chars: `${ALNUM}-_`, min: 3, max: 20, fold: 'lower' } },
  // Lobsters User model: /\A[A-Za-z0-9][A-Za-z0-9_-]{0,24}\Z/.
  lobsters: {
    kind: 'name',
    name: { chars: `${ALNUM}_-`, first: ALNUM, min: 1, max: 25, fold: 'lower' },
  },
  // Lichess: 2–30 of letters, digits, '_', '-', starting and ending alphanumeric; ids lower case.
  lichess: {
    kind: 'name',
    name: { chars: `${ALNUM}_-`, first: ALNUM, last: ALNUM, min: 2, max: 30, fold: 'lower' },
  },
  // Liberapay: word characters, '.', '-', at most 32; case-insensitive.
  liberapay: { kind: 'name', name: { chars: `${ALNUM}_.-`, min: 1, max: 32, fold: 'lower' } },
  // Stack Exchange: the numeric user id on one site (user names are not unique there).
  stackexchange: {
    kind: 'account',
    name: { chars: DIGITS, first: '123456789', min: 1, max: 12, fold: 'none' },
  },
  orcid: { kind: 'own', parse: orcidId },
} as const satisfies Record<string, Grammar>;

/** The channels of SPEC §2.2. */
export type Channel = keyof typeof GRAMMARS;
export const CHANNELS = Object.keys(GRAMMARS) as readonly Channel[];
/** Input aliases: accepted by the parser, never in signed objects. */
const ALIASES: Readonly<Record<string, Channel>> = { mastodon: 'ap' };

function asciiExcept(excluded: string): string {
  let out = '';
  for (let c = 0x21; c < 0x7f; c++) {
    const ch = String.fromCharCode(c);
    if (!excluded.includes(ch)) out += ch;
  }
  return out;
}

// Runs for every subject of every object verified: index loops, since the name is ASCII.
function parseName(input: string, rule: NameRule, what: string): string {
  for (let i = 0; i < input.length; i++)
    if (input.charCodeAt(i) >= 0x80) fail('bad_subject', `${what}: only ASCII is accepted`);
  const s = rule.fold === 'lower' ? asciiLower(input) : input;
  let ok =
    s.length >= rule.min &&
    s.length <= rule.max &&
    (rule.first ?? rule.chars).includes(s[0]!) &&
    (rule.last ?? rule.chars).includes(s[s.length - 1]!) &&
    !rule.notSuffix?.some((x) => s.endsWith(x));
  for (let i = 0; ok && i < s.length; i++) {
    const ch = s[i]!;
    if (!rule.chars.includes(ch)) ok = false;
    else if (i > 0 && rule.lone?.includes(ch) && rule.lone.includes(s[i - 1]!)) ok = false;
  }
  if (!ok) fail('bad_subject', `bad ${what}`);
  return s;
}

function parseAccount(raw: string, g: Extract<Grammar, { kind: 'account' }>, ch: string): string {
  let user: string;
  let host: string;
  const colon = raw.indexOf(':');
  if (g.matrixForm && raw.startsWith('@') && colon > 0) {
    user = raw.slice(1, colon);
    host = raw.slice(colon + 1);
  } else {
    const rest = g.lead && raw.startsWith(g.lead) ? raw.slice(1) : raw;
    const at = rest.indexOf('@');
    if (at < 0) fail('bad_subject', `${ch} subject must be user@host`);
    user = rest.slice(0, at);
    host = rest.slice(at + 1);
  }
  const id = `${g.lead ?? ''}${parseName(user, g.name, `${ch} user name`)}@${normalizeDomain(host)}`;
  // Matrix: a user id @localpart:server is at most 255 bytes.
  if (g.matrixForm && id.length + 1 > 255) fail('bad_subject', 'matrix user id over 255 bytes');
  return id;
}

function parseId(channel: Channel, raw: string): string {
  const g: Grammar = GRAMMARS[channel];
  switch (g.kind) {
    case 'domain':
      return normalizeDomain(raw);
    case 'name':
      return parseName(raw, g.name, `${channel} user name`);
    case 'account':
      return parseAccount(raw, g, channel);
    case 'own':
      return g.parse(raw);
  }
}

/** Accepts the input forms of SPEC §2.2 and returns the canonical subject. */
export function parseSubject(input: string): Subject {
  if (typeof input !== 'string' || utf8Length(input) > MAX_SUBJECT_INPUT_BYTES)
    fail('bad_subject', 'subject must be a string of at most 1024 bytes');
  const colon = input.indexOf(':');
  if (colon < 0) fail('bad_subject', 'subject must be channel:id');
  const name = asciiLower(input.slice(0, colon));
  const channel = ALIASES[name] ?? (Object.hasOwn(GRAMMARS, name) ? (name as Channel) : undefined);
  if (channel === undefined) return fail('bad_subject', `unknown channel ${JSON.stringify(name)}`);
  const id = parseId(channel, input.slice(colon + 1));
  return { channel, id, text: `${channel}:${id}` };
}

export function isCanonicalSubject(text: string): boolean {
  try {
    return parseSubject(text).text === text;
  } catch {
    return false;
  }
}
