// Account subjects (SPEC §2.2) and canonical domain names (SPEC §2.3).
import { fail } from './errors.js';
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
// Characters that would make the URL parser read something other than a host.
const NOT_HOST = /[\s/\\?#@:[\]%]/;

function isCanonicalDomain(d: string): boolean {
  if (d.length < 1 || d.length > 253) return false;
  const labels = d.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((l) => LABEL.test(l))) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

/** Input → canonical domain: lower case, one trailing dot dropped, Unicode → A-labels (UTS #46 via WHATWG URL). */
export function normalizeDomain(input: string): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > 1024)
    fail('bad_subject', 'bad domain name');
  let d = input.endsWith('.') ? input.slice(0, -1) : input;
  if (NOT_HOST.test(d) || d.length === 0) fail('bad_subject', 'not a domain name');
  if (/[^\p{ASCII}]/u.test(d)) {
    try {
      d = new URL(`http://${d}`).hostname;
    } catch (err) {
      return fail('bad_subject', 'domain name fails IDNA processing', {}, err);
    }
  } else {
    d = d.toLowerCase();
  }
  if (!isCanonicalDomain(d)) fail('bad_subject', 'not a canonical domain name (SPEC §2.3)');
  return d;
}

function parseAp(id: string): string {
  const rest = id.startsWith('@') ? id.slice(1) : id;
  const at = rest.indexOf('@');
  if (at < 0) fail('bad_subject', 'ap subject must be @user@host');
  const user = rest.slice(0, at).toLowerCase();
  if (!AP_USER.test(user)) fail('bad_subject', 'bad ap user name');
  return `@${user}@${normalizeDomain(rest.slice(at + 1))}`;
}

/** Accepts the input forms of SPEC §2.2 and returns the canonical subject. */
export function parseSubject(input: string): Subject {
  if (typeof input !== 'string' || input.length > 1024)
    fail('bad_subject', 'subject must be a string');
  const colon = input.indexOf(':');
  if (colon < 0) fail('bad_subject', 'subject must be channel:id');
  let channel = input.slice(0, colon).toLowerCase();
  const raw = input.slice(colon + 1);
  if (channel === 'mastodon') channel = 'ap';
  let id: string;
  switch (channel) {
    case 'dns':
    case 'bluesky':
      id = normalizeDomain(raw);
      break;
    case 'github':
      id = raw.toLowerCase();
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
