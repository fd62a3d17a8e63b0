// The SQLite store's writer thread (sqlite.ts): it runs every write transaction on its own
// connection, so the event loop keeps parsing and verifying requests while a commit waits for
// its fsync. A request is one transaction; its reply is sent after the COMMIT returned, i.e.
// once it is on disk (synchronous=FULL).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  BUSY_SLICE_MS,
  configure,
  errorData,
  prepareQueries,
  writeTransactions,
  type WriteMessage,
} from './sqlite-schema.js';

const port = parentPort!;
const db = new Database((workerData as { file: string }).file, { timeout: BUSY_SLICE_MS });
// Prepared on the first request, after the reading connection made the schema; a busy error
// while preparing is answered like any other, and the next request prepares again.
let tx: ReturnType<typeof writeTransactions> | undefined;

function run(m: WriteMessage): unknown {
  if (m.op === 'close') {
    db.close();
    return null;
  }
  if (!tx) {
    configure(db);
    tx = writeTransactions(db, prepareQueries(db));
  }
  return tx(m);
}

port.on('message', (m: WriteMessage) => {
  try {
    port.postMessage({ id: m.id, result: run(m) });
  } catch (err) {
    port.postMessage({ id: m.id, error: errorData(err) });
  }
});
