// TXT lookups through the configured DNS servers, failures mapped to SPEC §9 codes.
import { Resolver } from 'node:dns/promises';
import { KezError } from '@kez/core';
import type { ChannelsConfig } from './types.js';

const EMPTY = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);
const TIMEOUT = new Set(['ETIMEOUT', 'ETIMEDOUT']);

/** resolveTxt(name) → records (each a list of character-strings); [] when the name has none. */
export function createResolveTxt(config: ChannelsConfig): (name: string) => Promise<string[][]> {
  const resolver = new Resolver({ timeout: config.timeouts.dnsMs, tries: 2 });
  if (config.dnsServers.length > 0) resolver.setServers(config.dnsServers);
  return async (name) => {
    try {
      return await resolver.resolveTxt(name);
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (EMPTY.has(code)) return [];
      if (TIMEOUT.has(code))
        throw new KezError('timeout', `DNS lookup of ${name} timed out`, { name });
      throw new KezError('network', `DNS lookup of ${name} failed (${code || 'error'})`, {
        name,
        dns_error: code,
      });
    }
  };
}
