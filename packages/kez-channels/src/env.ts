// Builds the ChannelEnv every plugin receives: one safe fetcher and one resolver per config.
import { dialRelayWs } from './channels/relay-dial-ws.js';
import { createResolveTxt } from './dns-txt.js';
import { createSafeFetch } from './safe-fetch.js';
import { dialStreamNode } from './stream-dial.js';
import type { ChannelEnv, ChannelsConfig, HttpCache, ReadCredentials } from './types.js';

export interface OwnedChannelEnv extends ChannelEnv {
  /** Releases the fetcher's keep-alive sockets. */
  close(): Promise<void>;
}

export function createChannelEnv(
  config: ChannelsConfig,
  opts: {
    signal?: AbortSignal;
    progress?: (msg: string) => void;
    credentials?: ReadCredentials;
    httpCache?: HttpCache;
  } = {},
): OwnedChannelEnv {
  const fetch = createSafeFetch(config, opts.signal);
  return {
    fetch,
    dialRelay: dialRelayWs,
    dialStream: dialStreamNode,
    resolveTxt: createResolveTxt(config),
    config,
    signal: opts.signal,
    progress: opts.progress,
    credentials: opts.credentials,
    httpCache: opts.httpCache,
    close: () => fetch.close(),
  };
}
