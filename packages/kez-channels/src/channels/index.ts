// The built-in channel plugins and chain transports, as data for the registry.
import { ChannelRegistry } from '../registry.js';
import { nostrChainTransport } from '../nostr-chain.js';
import { sigServerTransport } from '../sigserver-client.js';
import type { ChainTransport, ChannelPlugin } from '../types.js';
import { apPlugin } from './ap.js';
import { blueskyPlugin } from './bluesky.js';
import { dnsPlugin } from './dns.js';
import { githubPlugin } from './github.js';
import { nostrPlugin } from './nostr.js';
import { openpgpPlugin } from './openpgp.js';
import { webPlugin } from './web.js';

export { apPlugin, blueskyPlugin, dnsPlugin, githubPlugin, nostrPlugin, openpgpPlugin, webPlugin };

export const builtinPlugins: ChannelPlugin[] = [
  dnsPlugin,
  githubPlugin,
  apPlugin,
  nostrPlugin,
  blueskyPlugin,
  webPlugin,
  openpgpPlugin,
];
export const builtinTransports: ChainTransport[] = [sigServerTransport, nostrChainTransport];

/** A registry with every built-in plugin and transport, plus any extra ones given. */
export function defaultRegistry(
  extra: { plugins?: ChannelPlugin[]; transports?: ChainTransport[] } = {},
): ChannelRegistry {
  return new ChannelRegistry(
    [...builtinPlugins, ...(extra.plugins ?? [])],
    [...builtinTransports, ...(extra.transports ?? [])],
  );
}
