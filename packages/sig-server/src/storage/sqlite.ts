import { mkdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { LIMITS } from '../limits.js';
import { StoreUnavailableError, sqliteFault } from './faults.js';
import {
  BUSY_SLICE_MS,
  configure,
  errorFromData,
  migrate,
  prepareQueries,
  SQLITE_FILE,
  type AppendItem,
  type ErrorData,
  type Queries,
  type WriteMessage,
  type WriteReply,
} from './sqlite-schema.js';
import type {
  AppendResult,
  ChainHead,
  ChainStore,
  ExpectedHead,
  ForkBounds,
  ForkCursor,
  ForkOutcome,
  ReorgResult,
  StoredEvent,
  StoreStats,
} from './types.js';

export { SQLITE_FILE };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * The writer thread's module, as built: from src/storage (tests) and from dist/storage alike
 * this is dist/storage/sqlite-writer.js, since Node runs no TypeScript in a worker.
 */
const WRITER = new URL('../../dist/storage/sqlite-writer.js', import.meta.url);

interface PendingAppend {
  item: AppendItem;
  resolve: (r: AppendResult) => void;
  reject: (err: unknown) => void;
}

type Request = WriteMessage extends infer M ? (M extends unknown ? Omit<M, 'id'> : never) : never;

/** The writer thread: one transaction per request, answered in order. */
class Writer {
  private readonly worker: Worker;
  private next = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  private gone: unknown;

  constructor(file: string) {
    this.worker = new Worker(WRITER, { workerData: { file } });
    // It holds the process open only while a transaction is outstanding.
    this.worker.unref();
    this.worker.on('message', (r: WriteReply) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (!this.waiting.size) this.worker.unref();
      if ('error' in r) w.reject(errorFromData(r.error));
      else w.resolve(r.result);
    });
    const fail = (err: unknown) => {
      this.gone = new StoreUnavailableError('unreachable', { cause: err });
      for (const w of this.waiting.values()) w.reject(this.gone);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the SQLite writer thread exited (${code})`)));
  }

  /** Runs one transaction in the writer thread; rejects with the driver's error (its code kept). */
  run<T>(req: Request): Promise<T> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      if (!this.waiting.size) this.worker.ref();
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, ...req });
    });
  }

  async close(): Promise<void> {
    if (!this.gone) await this.run({ op: 'close' }).catch(() => {});
    await this.worker.terminate();
  }
}

/**
 * better-sqlite3 in WAL mode with synchronous=FULL: a 201 is only sent after the commit is on
 * disk, so an acknowledged append survives a crash or power loss. Writes run in
 * BEGIN IMMEDIATE transactions, which also serializes writers from several processes, on a
 * writer thread's connection (sqlite-writer.ts): the event loop is not blocked while a commit
 * waits for its fsync. Reads run on this thread's connection; WAL lets them go on meanwhile,
 * and a commit is visible to them once its answer is back.
 *
 * Group commit: one append transaction is in flight at a time, and the appends that arrive
 * meanwhile share the next one (one fsync), so a group grows with the load. Each append runs
 * inside its own savepoint, so one append's failure never touches another's and every append
 * is still all-or-nothing. Their answers wait for the commit.
 */
export class SqliteStore implements ChainStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly file: string;
  // Set by `open()` (from `init`): preparing reads the schema, which another process's lock
  // can hold up, so it is retried asynchronously like a write.
  private q!: Queries;
  private writer: Writer | undefined;
  private pending: PendingAppend[] = [];
  /** The append transaction in flight, if any. */
  private flushing: Promise<void> | undefined;
  /** When a write last failed for want of space (ms, `clock`); 0 once a write succeeds. */
  private diskFullAt = 0;

  constructor(
    private readonly dataDir: string,
    private readonly clock: () => number = Date.now,
  ) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.file = join(dataDir, SQLITE_FILE);
    // better-sqlite3's default busy timeout is 5 s, a synchronous wait; opening touches no file.
    this.db = new Database(this.file, { timeout: BUSY_SLICE_MS });
  }

  /** Another process's lock on the file delays opening asynchronously, never the event loop. */
  async init(): Promise<void> {
    await this.write(async () => this.open());
    this.writer ??= new Writer(this.file);
  }

  /** Pragmas, schema, migrations and prepared statements; safe to run again after a busy error. */
  private open(): void {
    configure(this.db);
    migrate(this.db);
    this.q = prepareQueries(this.db);
  }

  async head(identity: string): Promise<ChainHead | null> {
    const r = this.q.head.get(identity);
    return r
      ? {
          identity: r.identity,
          seq: r.head_seq,
          hash: r.head_hash,
          fork: r.fork === 1,
          forksStored: r.forks_stored,
          forksDropped: r.forks_dropped,
          reorgs: r.reorgs,
        }
      : null;
  }

  async events(identity: string, fromSeq: number, limit: number): Promise<StoredEvent[]> {
    return this.q.events.all(identity, fromSeq, limit);
  }

  async eventAt(identity: string, seq: number): Promise<StoredEvent | null> {
    return this.q.eventAt.get(identity, seq) ?? null;
  }

  async append(
    identity: string,
    event: StoredEvent,
    expected: ExpectedHead,
  ): Promise<AppendResult> {
    if (event.seq !== (expected ? expected.seq + 1 : 0))
      throw new Error('append: seq does not follow the expected head');
    return new Promise((resolve, reject) => {
      this.pending.push({ item: [identity, event, expected], resolve, reject });
      if (this.flushing === undefined && this.pending.length === 1)
        setImmediate(() => this.flush());
    });
  }

  /** Sends the waiting appends as one transaction; those arriving meanwhile wait for the next. */
  private flush(): void {
    if (this.flushing !== undefined || !this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.write(() =>
      this.writerOf().run<(AppendResult | { error: ErrorData })[]>({
        op: 'append',
        batch: batch.map((p) => p.item),
      }),
    ).then(
      (results) => {
        this.flushing = undefined;
        this.flush();
        batch.forEach((p, i) => {
          const r = results[i]!;
          if ('error' in r) p.reject(sqliteFault(errorFromData(r.error)));
          else p.resolve(r);
        });
      },
      (err: unknown) => {
        this.flushing = undefined;
        this.flush();
        for (const p of batch) p.reject(err);
      },
    );
  }

  private writerOf(): Writer {
    if (!this.writer) throw new Error('the SQLite store is not open');
    return this.writer;
  }

  /**
   * Runs a write transaction. Another process holding the write lock makes it wait at most
   * BUSY_SLICE_MS synchronously, then retry from a timer until `sqliteLockWaitMs`, then a 503
   * `busy`. A full disk is remembered for /readyz.
   */
  private async write<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = this.clock() + LIMITS.sqliteLockWaitMs;
    for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
      try {
        const out = await fn();
        this.diskFullAt = 0;
        return out;
      } catch (err) {
        const fault = sqliteFault(err);
        if (fault instanceof StoreUnavailableError && fault.fault === 'disk_full')
          this.diskFullAt = this.clock();
        const busy = fault instanceof StoreUnavailableError && fault.fault === 'busy';
        if (!busy || this.clock() + pause > deadline) throw fault;
      }
      await sleep(pause);
    }
  }

  async addFork(identity: string, event: StoredEvent, bounds: ForkBounds): Promise<ForkOutcome> {
    return this.write(() => this.writerOf().run({ op: 'fork', identity, ev: event, bounds }));
  }

  async reorg(
    identity: string,
    winner: StoredEvent,
    expected: { seq: number; hash: string },
    bounds: ForkBounds,
  ): Promise<ReorgResult> {
    if (winner.seq < 1 || winner.seq > expected.seq)
      throw new Error('reorg: the winner is not at a stored position after genesis');
    return this.write(() =>
      this.writerOf().run({ op: 'reorg', identity, winner, expected, bounds }),
    );
  }

  async forks(identity: string, after: ForkCursor | null, limit: number): Promise<StoredEvent[]> {
    const seq = after?.seq ?? -1;
    return this.q.forks.all(identity, seq, seq, after?.hash ?? '', limit);
  }

  async stats(): Promise<StoreStats> {
    return this.q.stats.get()!;
  }

  /** Not ready while the disk is full: a recent disk-full write, or no space left at all. */
  async ping(): Promise<void> {
    this.q.ping.get();
    const fs = statfsSync(this.dataDir);
    if (
      fs.bavail === 0 ||
      (this.diskFullAt && this.clock() - this.diskFullAt < LIMITS.diskFullHoldMs)
    )
      throw new StoreUnavailableError('disk_full');
  }

  /** Commits the appends already received, then closes both connections. */
  async close(): Promise<void> {
    this.flush();
    // A group's end sends the next one, so this waits for every append received.
    while (this.flushing !== undefined) await this.flushing;
    await this.writer?.close();
    this.db.close();
  }
}
