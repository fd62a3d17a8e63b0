// The light local peers and API-shaped stand-ins shared by the tests, the demo and the benches
// (one implementation each). Every other module is its own subpath, so importers load only what
// they use: @kez/test-kit/chain-builder, /published-chain, /sig-server, /nostr-relay, /pds,
// /kez-bin, /conformance (vitest), /boundaries.
export { freePort } from './free-port.js';
export { startNsd, type RunningNsd, type TxtRecord } from './nsd.js';
export {
  startHttp,
  sendJson,
  sendText,
  respondHostile,
  type RunningHttp,
  type HostileMode,
} from './http-standin.js';
export { startGithubStandin, type GithubStandin } from './github-standin.js';
export { startMastodonStandin, type MastodonStandin } from './mastodon-standin.js';
export { startTcpDelayProxy, startDnsDelayProxy, type RunningProxy } from './delay-proxy.js';
export {
  startProfileStandin,
  type ProfileStandin,
  type ProfileService,
  type ProfileAccount,
} from './profile-standin.js';
export { profileServices, type ProfileServiceName } from './fixtures/profiles/index.js';
export { ownServer, peertube, pixelfed, type ApFlavour } from './fixtures/ap-flavours.js';
