// The built-in channel plugins and chain transports, as data for the registry.
import { ChannelRegistry } from '../registry.js';
import { nostrChainTransport } from '../nostr-chain.js';
import { sigServerTransport } from '../sigserver-client.js';
import type { ChainTransport, ChannelPlugin } from '../types.js';
import { apPlugin } from './ap.js';
import { blueskyPlugin } from './bluesky.js';
import { dnsPlugin } from './dns.js';
import { githubPlugin } from './github.js';
import { ircPlugin } from './irc.js';
import { matrixPlugin } from './matrix.js';
import { nostrPlugin } from './nostr.js';
import { openpgpPlugin } from './openpgp.js';
import { webPlugin } from './web.js';
import { xmppPlugin } from './xmpp.js';

import { discoursePlugin } from './discourse.js';
import { giteaPlugin } from './gitea.js';
import { gitlabPlugin } from './gitlab.js';
import { hackernewsPlugin } from './hackernews.js';
import { liberapayPlugin } from './liberapay.js';
import { lichessPlugin } from './lichess.js';
import { lobstersPlugin } from './lobsters.js';
import { orcidPlugin } from './orcid.js';
import { owncastPlugin } from './owncast.js';
import { redditPlugin } from './reddit.js';
import { stackexchangePlugin } from './stackexchange.js';

export {
  apPlugin,
  blueskyPlugin,
  dnsPlugin,
  githubPlugin,
  ircPlugin,
  matrixPlugin,
  nostrPlugin,
  openpgpPlugin,
  webPlugin,
  xmppPlugin,
};
/** Profile channels (profile-channel.ts): a public profile text read from the service's API. */
export const profilePlugins: ChannelPlugin[] = [
  gitlabPlugin,
  giteaPlugin,
  discoursePlugin,
  owncastPlugin,
  hackernewsPlugin,
  redditPlugin,
  lobstersPlugin,
  lichessPlugin,
  liberapayPlugin,
  stackexchangePlugin,
  orcidPlugin,
];

export const builtinPlugins: ChannelPlugin[] = [
  dnsPlugin,
  githubPlugin,
  apPlugin,
  nostrPlugin,
  blueskyPlugin,
  webPlugin,
  openpgpPlugin,
  xmppPlugin,
  ircPlugin,
  // A profile channel in shape, tested against a real Synapse (not the profile stand-ins).
  matrixPlugin,
  ...profilePlugins,
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
