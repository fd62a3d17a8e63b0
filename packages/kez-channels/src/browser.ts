// @kez/channels/browser: what a web page needs to verify an identity graph itself — the same
// plugins, chain transports, proof judging and verifyIdentity as in Node, over a ChannelEnv
// built on the browser's fetch, WebSocket and DNS-over-HTTPS. Nothing here imports `node:`
// (kez-web's build refuses any Node builtin).
import { dialRelayBrowser } from './channels/relay-dial-browser.js';
import { createBrowserFetch } from './browser-fetch.js';
import { createDohResolveTxt } from './doh-txt.js';
import type { ChannelEnv, ChannelsConfig } from './types.js';

export type * from './types.js';
export { channelsConfig, parseChannelsConfig, type ChannelsConfigInput } from './config.js';
export { memoryHeadCache, type HeadCache, type SeenHead } from './head-cache.js';
export { ChannelRegistry } from './registry.js';
export { profileUrl } from './profile-url.js';
export { defaultRegistry } from './channels/index.js';
export { obtainChain, type ObtainedChain, type SourceReport } from './chain-sources.js';
export {
  createBrowserFetch,
  RELAY_STATUS_HEADER,
  type BrowserFetchOptions,
} from './browser-fetch.js';
export { createDohResolveTxt, txtStrings } from './doh-txt.js';
export {
  verifyIdentity,
  type Edge,
  type IdentityResult,
  type VerifyIdentityOptions,
} from './verify-identity.js';

export interface BrowserEnvOptions {
  /** DNS-over-HTTPS JSON endpoint, e.g. https://cloudflare-dns.com/dns-query */
  doh: string;
  /** Optional fetch relay for services without CORS. */
  relay?: string;
  signal?: AbortSignal;
  progress?: (msg: string) => void;
}

export function createBrowserChannelEnv(
  config: ChannelsConfig,
  opts: BrowserEnvOptions,
): ChannelEnv {
  const fetch = createBrowserFetch(config, { relay: opts.relay, signal: opts.signal });
  return {
    fetch,
    dialRelay: dialRelayBrowser,
    resolveTxt: createDohResolveTxt(fetch, opts.doh),
    config,
    signal: opts.signal,
    progress: opts.progress,
  };
}
