// Channel configuration: production defaults, overridable per field (tests point every base
// URL at loopback stand-ins).
import { KezError } from '@kez/core';
import type { ChannelsConfig } from './types.js';

export const defaultChannelsConfig: ChannelsConfig = {
  githubApi: 'https://api.github.com',
  githubRawHosts: ['gist.githubusercontent.com'],
  plcDirectory: 'https://plc.directory',
  nostrRelays: ['wss://relay.damus.io', 'wss://nos.lol'],
  dnsServers: [],
  sigServers: [],
  hostMap: {},
  allowLoopback: false,
  allowHttp: false,
  timeouts: { connectMs: 5_000, totalMs: 15_000, dnsMs: 5_000 },
  maxBodyBytes: 1 << 20,
  concurrency: 8,
};

export type ChannelsConfigInput = Partial<Omit<ChannelsConfig, 'timeouts'>> & {
  timeouts?: Partial<ChannelsConfig['timeouts']>;
};

export function channelsConfig(input: ChannelsConfigInput = {}): ChannelsConfig {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return {
    ...defaultChannelsConfig,
    ...given,
    timeouts: { ...defaultChannelsConfig.timeouts, ...input.timeouts },
    hostMap: { ...defaultChannelsConfig.hostMap, ...input.hostMap },
  };
}

/**
 * A settings file (the CLI's channels.json) checked against the config's schema: every key
 * known, every value of its type. The file feeds security switches (allowLoopback, allowHttp,
 * hostMap), so a typo or a wrong type is refused with the key's name, never ignored.
 */
export function parseChannelsConfig(doc: unknown): ChannelsConfigInput {
  const obj = record(doc, 'the settings');
  const out: ChannelsConfigInput = {};
  for (const [key, value] of Object.entries(obj)) {
    const check = FIELDS[key as keyof typeof FIELDS];
    if (check === undefined)
      throw bad(key, `unknown key (known: ${Object.keys(FIELDS).join(', ')})`);
    (out as Record<string, unknown>)[key] = check(value, key);
  }
  return out;
}

type Check = (value: unknown, key: string) => unknown;

const MAX_TIMEOUT_MS = 10 * 60_000;

const FIELDS = {
  githubApi: (v, k) => url(v, k, ['https:', 'http:']),
  githubRawHosts: (v, k) => list(v, k, hostname),
  plcDirectory: (v, k) => url(v, k, ['https:', 'http:']),
  nostrRelays: (v, k) => list(v, k, (x, kk) => url(x, kk, ['wss:', 'ws:'])),
  dnsServers: (v, k) => list(v, k, dnsServer),
  sigServers: (v, k) => list(v, k, (x, kk) => url(x, kk, ['https:', 'http:'])),
  hostMap: (v, k) =>
    Object.fromEntries(
      Object.entries(record(v, k)).map(([host, base]) => [
        hostname(host, `${k}.${host}`),
        url(base, `${k}.${host}`, ['https:', 'http:']),
      ]),
    ),
  allowLoopback: boolean,
  allowHttp: boolean,
  timeouts: (v, k) => {
    const t = record(v, k);
    for (const [name, ms] of Object.entries(t)) {
      if (!['connectMs', 'totalMs', 'dnsMs'].includes(name))
        throw bad(`${k}.${name}`, 'unknown key (known: connectMs, totalMs, dnsMs)');
      integer(ms, `${k}.${name}`, MAX_TIMEOUT_MS);
    }
    return t;
  },
  maxBodyBytes: (v, k) => integer(v, k, 64 << 20),
  concurrency: (v, k) => integer(v, k, 64),
  maxConcurrentFetches: (v, k) => integer(v, k, 64),
  tlsCa: (v, k) => list(v, k, pem),
  // allowPrivate is left out: it is for fetchers whose every URL an operator configured
  // (chat-server), never for a settings file that also lists other people's servers.
} satisfies Record<Exclude<keyof ChannelsConfigInput, 'allowPrivate'>, Check> as Record<
  string,
  Check
>;

function bad(key: string, why: string): KezError {
  return new KezError('malformed', `${key}: ${why}`, { key });
}

function record(v: unknown, key: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(key, 'expected an object');
  return v as Record<string, unknown>;
}

function boolean(v: unknown, key: string): boolean {
  if (typeof v !== 'boolean') throw bad(key, 'expected true or false');
  return v;
}

function integer(v: unknown, key: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
    throw bad(key, `expected a whole number from 1 to ${max}`);
  return v;
}

function list(v: unknown, key: string, item: Check): unknown[] {
  if (!Array.isArray(v)) throw bad(key, 'expected an array');
  return v.map((x, i) => item(x, `${key}[${i}]`));
}

function url(v: unknown, key: string, schemes: string[]): string {
  if (typeof v !== 'string') throw bad(key, 'expected a URL string');
  let u: URL;
  try {
    u = new URL(v);
  } catch (e) {
    throw new KezError('malformed', `${key}: '${v}' is not a URL`, { key }, { cause: e });
  }
  if (!schemes.includes(u.protocol)) throw bad(key, `expected a ${schemes.join(' or ')} URL`);
  return v;
}

function hostname(v: unknown, key: string): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9.-]{1,253}$/.test(v))
    throw bad(key, 'expected a host name');
  return v;
}

function pem(v: unknown, key: string): string {
  if (
    typeof v !== 'string' ||
    !/^-----BEGIN CERTIFICATE-----\r?\n[\s\S]+-----END CERTIFICATE-----\s*$/.test(v)
  )
    throw bad(key, 'expected a PEM certificate');
  return v;
}

function dnsServer(v: unknown, key: string): string {
  // 'ip' or 'ip:port', IPv4 or bracketed IPv6, as node:dns setServers takes them.
  if (
    typeof v !== 'string' ||
    !/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:]+\])(:\d{1,5})?$|^[0-9A-Fa-f:]+$/.test(v)
  )
    throw bad(key, "expected an IP address, or 'ip:port'");
  return v;
}
