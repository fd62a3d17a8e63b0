export type * from './types.js';
export {
  defaultChannelsConfig,
  channelsConfig,
  parseChannelsConfig,
  type ChannelsConfigInput,
} from './config.js';
export {
  BlockedAddressError,
  blockedReason,
  guardedLookup,
  isIpLiteral,
  targetUrl,
} from './address-policy.js';
export { createSafeFetch, guardedAgent, type SafeFetcher } from './safe-fetch.js';
export { createResolveTxt } from './dns-txt.js';
export { dialStreamNode, streamTarget } from './stream-dial.js';
export { createChannelEnv, type OwnedChannelEnv } from './env.js';
export { ChannelRegistry } from './registry.js';
export { profileUrl } from './profile-url.js';
export * from './sigserver-client.js';
export { htmlToText } from './html-text.js';
export { nostrSecret } from './channels/nostr.js';
export {
  EXTERNAL_IDENTITIES_KIND,
  identityTag,
  publishExternalIdentities,
  readExternalIdentities,
  subjectOfTag,
  type IdentityHint,
} from './channels/nostr-identities.js';
export {
  profileChannel,
  textWithProof,
  type ProfileChannelSpec,
  type Place,
} from './profile-channel.js';
export {
  evaluateCandidate,
  best,
  rank,
  proofIdentity,
  shortCandidates,
  shortWithChain,
  type ProofVerdict,
} from './proofs.js';
export {
  askSources,
  judgeSources,
  obtainChain,
  type ObtainedChain,
  type SourceReport,
} from './chain-sources.js';
export * from './read-limits.js';
export { memoryHeadCache, type HeadCache, type SeenHead } from './head-cache.js';
export { fileHeadCache } from './head-cache-file.js';
export {
  rankIdentities,
  verifyIdentity,
  type IdentityAtPlace,
  type IdentityResult,
  type Edge,
  type Hint,
  type VerifyIdentityOptions,
} from './verify-identity.js';
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
  builtinPlugins,
  builtinTransports,
  profilePlugins,
  defaultRegistry,
} from './channels/index.js';
