export {
  buildLoginToken,
  kezAuthenticator,
  connectChat,
  LOGIN_LIFETIME_SEC,
  type LoginTokenOptions,
} from './login.js';
export { ChatRoom, type ChatMessage } from './chat-room.js';
export {
  HISTORY_DEFAULT,
  HISTORY_MAX,
  MSG_ID_HEADER,
  type HistoryEntry,
  type HistoryReply,
  type HistoryRequest,
} from './wire.js';
export {
  CHAT_PREFIX,
  HISTORY_PREFIX,
  identityToken,
  inboxPrefix,
  isInboxOf,
  roomSubject,
  roomWildcard,
  historySubject,
  parseChatSubject,
  parseHistorySubject,
  isRoomName,
  assertRoomName,
} from './subjects.js';
