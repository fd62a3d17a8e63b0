export {
  buildLoginToken,
  kezAuthenticator,
  connectChat,
  LOGIN_LIFETIME_SEC,
  type LoginTokenOptions,
} from './client.js';
export { ChatRoom, type ChatMessage } from './chat-client.js';
export {
  decideAdmission,
  MAX_TOKEN_BYTES,
  type Admission,
  type AdmissionContext,
  type RefusalCode,
} from './admission.js';
export {
  sigServerChainSource,
  type ChainSource,
  type FetchedChain,
  type SigServerChainSource,
} from './chain-source.js';
export { serveAuthCallout, AUTH_CALLOUT_SUBJECT, type CalloutOptions } from './callout.js';
export { loadConfig, ENV_HELP, type ChatServerConfig } from './config.js';
export { startChatServer, type ChatServer } from './service.js';
export { createLogger, silentLogger, type Logger, type Level } from './log.js';
export { NonceCache } from './nonce-cache.js';
export { HeadMemory } from './head-memory.js';
export { userPermissions, type PermissionPolicy } from './permissions.js';
export {
  ensureStream,
  readHistory,
  serveHistory,
  type HistoryEntry,
  type HistoryReply,
} from './history.js';
export {
  identityToken,
  inboxPrefix,
  isMemberInbox,
  roomSubject,
  roomWildcard,
  historySubject,
  parseChatSubject,
  isRoomName,
  assertRoomName,
} from './subjects.js';
