// Channel configuration: production defaults, overridable per field (tests point every base
// URL at loopback stand-ins).
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
