// Where a KEZ fetch may go, for HTTP (safe-fetch) and WebSocket (nostr relays) alike: the
// target URL actually dialled (hostMap, scheme, credentials, IP literal), the lookup that
// refuses blocked resolved addresses, and the check on the address actually connected to.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { KezError } from '@kez/core';
import { mappedUrl } from './host-map.js';
import type { ChannelsConfig } from './types.js';

/** Which opt-in, if any, lifts a range: loopback (allowLoopback) or private networks (allowPrivate). */
type OptIn = 'loopback' | 'private';

const blocked: Array<[string, number, 'ipv4' | 'ipv6', string, OptIn?]> = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (incl. cloud metadata)'],
  ['172.16.0.0', 12, 'ipv4', 'private', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.88.99.0', 24, 'ipv4', '6to4 relay anycast'],
  ['192.168.0.0', 16, 'ipv4', 'private', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved/broadcast'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback', 'loopback'],
  // Forms that embed an IPv4 address: refused outright rather than decoded.
  ['::ffff:0:0', 96, 'ipv6', 'IPv4-mapped'],
  ['::', 96, 'ipv6', 'IPv4-compatible'],
  ['64:ff9b::', 96, 'ipv6', 'NAT64'],
  ['64:ff9b:1::', 48, 'ipv6', 'NAT64'],
  ['2002::', 16, 'ipv6', '6to4'],
  ['100::', 64, 'ipv6', 'discard'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['fc00::', 7, 'ipv6', 'unique-local (incl. fd00:ec2::254 metadata)', 'private'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const lists = blocked.map(([net, prefix, family, label]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  return { list, family, label };
});

/** The ranges an opt-in lifts (a BlockList also matches the IPv4-mapped form of its IPv4 rules). */
function optInList(which: OptIn): BlockList {
  const list = new BlockList();
  for (const [net, prefix, family, , optIn] of blocked)
    if (optIn === which) list.addSubnet(net, prefix, family);
  return list;
}
const loopback = optInList('loopback');
const privateNets = optInList('private');

// Cloud metadata endpoints inside an opt-in range: refused whatever the opt-ins say.
// (169.254.169.254 and the rest of 169.254.0.0/16 have no opt-in at all.)
const metadata = new BlockList();
metadata.addAddress('fd00:ec2::254', 'ipv6');

/**
 * Opt-ins for targets the operator, not a remote party, chose. Both off by default.
 * allowPrivate covers RFC 1918 (10/8, 172.16/12, 192.168/16) and IPv6 unique-local (fc00::/7);
 * link-local and cloud-metadata addresses stay refused with it on.
 */
export interface AddressPolicy {
  allowLoopback?: boolean;
  allowPrivate?: boolean;
}

/** Strips IPv6 brackets and a zone id ('fe80::1%eth0'). */
function bare(address: string): string {
  let a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  return a;
}

/**
 * Why `address` must not be connected to, or null when it may be.
 * Anything that is not an IP address at all is refused too.
 */
export function blockedReason(address: string, opts: AddressPolicy = {}): string | null {
  const a = bare(address);
  const v = isIP(a);
  if (v === 0) return 'not an IP address';
  const family = v === 4 ? 'ipv4' : 'ipv6';
  if (opts.allowLoopback && loopback.check(a, family)) return null;
  if (opts.allowPrivate && privateNets.check(a, family) && !metadata.check(a, family)) return null;
  for (const { list, family: f, label } of lists) {
    if (f === family && list.check(a, family)) return label;
  }
  return null;
}

export function isIpLiteral(host: string): boolean {
  return isIP(bare(host)) !== 0;
}

/** The address opt-ins a configuration grants (allowPrivate only when set to true). */
export function addressPolicy(config: ChannelsConfig): AddressPolicy {
  return { allowLoopback: config.allowLoopback, allowPrivate: config.allowPrivate === true };
}

/** A connection refused by the address policy (so it is not mistaken for a network error). */
export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
  constructor(
    readonly address: string,
    readonly why: string,
  ) {
    super(`refused to connect to ${address} (${why})`);
  }
}

/** The first BlockedAddressError in an error's cause chain, if any. */
export function blockedIn(e: unknown): BlockedAddressError | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 6; c = (c as Error).cause, depth++)
    if (c instanceof BlockedAddressError) return c;
  return undefined;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A net.connect lookup that resolves, then refuses when any resolved address is blocked. */
export function guardedLookup(opts: AddressPolicy): LookupFunction {
  return ((
    hostname: string,
    options: { all?: boolean; family?: number },
    callback: LookupCallback,
  ) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return callback(err, []);
      for (const a of addresses) {
        const why = blockedReason(a.address, opts);
        if (why)
          return callback(
            new BlockedAddressError(`${hostname} → ${a.address}`, why) as NodeJS.ErrnoException,
            [],
          );
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(
          Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }),
          [],
        );
      callback(null, first.address, first.family);
    });
  }) as unknown as LookupFunction;
}

/**
 * The URL actually contacted for a logical one: config.hostMap applied (host and port only —
 * the logical path, even one starting with `//`, stays a path), then the scheme (`secure`, or
 * `plain` with allowHttp), credentials and an IP-literal host checked. Throws blocked_address.
 */
export function targetUrl(
  logical: URL,
  config: ChannelsConfig,
  schemes: { secure: string; plain: string },
): URL {
  const actual = mappedUrl(logical, config, schemes);
  const url = logical.href;
  if (isIpLiteral(actual.hostname)) {
    const why = blockedReason(actual.hostname, addressPolicy(config));
    if (why)
      throw new KezError('blocked_address', `${url}: ${actual.hostname} is ${why}`, {
        url,
        address: actual.hostname,
      });
  }
  return actual;
}
