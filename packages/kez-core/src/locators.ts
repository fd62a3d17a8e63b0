// SPEC §5.1: the locator grammar, a small subset of absolute URLs that every URL parser reads
// one way (no userinfo, no IP-literal tricks, no fragment, nothing a parser would rewrite).
import { fail } from './errors.js';
import { isCanonicalDomain } from './subjects.js';

const LOCATOR = /^(?:https|http|wss|ws):\/\/([^/?#]*)((?:\/[^?#]*)?)(?:\?([^#]*))?$/;
const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${DEC_OCTET}(?:\\.${DEC_OCTET}){3}$`);
const PORT = /^[1-9][0-9]{0,4}$/;
// RFC 3986 pchar: unreserved, sub-delims, ':', '@', or a percent-encoded byte.
const PCHAR = "(?:[A-Za-z0-9\\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})";
const SEGMENT = new RegExp(`^${PCHAR}*$`);
const QUERY = new RegExp(`^(?:${PCHAR}|[/?])*$`);
// "." and ".." segments (also as %2e) are resolved away by URL parsers: a second text form.
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/** Throws `malformed` unless `u` is a locator per SPEC §5.1 (the byte limit is checked before). */
export function checkLocator(u: string): void {
  const m = LOCATOR.exec(u);
  if (!m) fail('malformed', 'locator must be scheme://host[:port][/path][?query] (SPEC §5.1)');
  const [host, port] = m[1]!.split(/:(.*)/s, 2) as [string, string | undefined];
  if (!isCanonicalDomain(host) && !IPV4.test(host))
    fail('malformed', 'locator host must be a canonical domain name or a dotted IPv4 address');
  if (port !== undefined && (!PORT.test(port) || Number(port) > 65535))
    fail('malformed', 'locator port must be 1–65535 without leading zeros');
  const segments = m[2]!.split('/').slice(1);
  if (!segments.every((s) => SEGMENT.test(s) && !DOT_SEGMENT.test(s)))
    fail('malformed', 'locator path has a character or dot segment outside SPEC §5.1');
  if (m[3] !== undefined && !QUERY.test(m[3]))
    fail('malformed', 'locator query has a character outside SPEC §5.1');
}
