export {
  decideAdmission,
  MAX_TOKEN_BYTES,
  type Admission,
  type AdmissionContext,
  type RefusalCode,
  type RefusalSource,
} from './admission.js';
export {
  sigServerChainSource,
  type ChainSource,
  type ChainRead,
  type ChainReadOptions,
  type SigServerChainSource,
} from './chain-source.js';
export { VerifiedChains, type VerifiedChain } from './verified-chains.js';
export { serveAuthCallout, AUTH_CALLOUT_SUBJECT, type CalloutOptions } from './callout.js';
export { loadConfig, ENV_HELP, type ChatServerConfig } from './config.js';
export { startChatServer, type ChatServer } from './service.js';
export { createLogger, silentLogger, type Logger, type Level } from './log.js';
export { Gate } from './gate.js';
export { NonceCache } from './nonce-cache.js';
export { HeadMemory, type Head, type HeadStore } from './head-memory.js';
export { jetStreamHeadStore } from './head-store.js';
export { userPermissions, type PermissionPolicy } from './permissions.js';
export {
  ensureStream,
  readHistory,
  readOwnLast,
  serveHistory,
  type StreamSettings,
} from './history.js';
