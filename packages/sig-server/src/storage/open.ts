import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { ChainStore } from './types.js';

/** `postgres://…` / `postgresql://…` selects PostgreSQL; otherwise SQLite in `dataDir`. */
export async function openStore(opts: { db?: string; dataDir: string }): Promise<ChainStore> {
  const store: ChainStore =
    opts.db && /^postgres(ql)?:\/\//.test(opts.db)
      ? new PostgresStore(opts.db)
      : new SqliteStore(opts.dataDir);
  await store.init();
  return store;
}
