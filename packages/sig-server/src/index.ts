export { buildApp, type AppOptions } from './app.js';
export { loadConfig, DEFAULTS, type ServerConfig } from './config.js';
export { startServer, type RunningServer } from './server.js';
export { openStore } from './storage/open.js';
export { SqliteStore } from './storage/sqlite.js';
export { PostgresStore } from './storage/postgres.js';
export type {
  ChainStore,
  ChainHead,
  StoredEvent,
  ExpectedHead,
  AppendResult,
  StoreStats,
} from './storage/types.js';
export { Metrics } from './metrics.js';
export { openApiDocument } from './openapi.js';
export type { WebOptions } from './web/routes.js';
export type { RelayOptions } from './web/relay.js';
