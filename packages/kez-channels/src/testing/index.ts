// Local peers shared by the tests, the demo and the bench (one implementation).
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
export { TestIdentity } from './identity-builder.js';
export { startSigServer, type RunningSigServer } from './sig-server.js';
export { startTcpDelayProxy, startDnsDelayProxy, type RunningProxy } from './delay-proxy.js';
