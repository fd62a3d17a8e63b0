// A pool of worker threads that check a chain's signatures while the calling thread folds it
// (SPEC §6 in @kez/core, unchanged). node:worker_threads directly, not a task-queue pool
// (piscina, tinypool): their results arrive as messages on the event loop, which a synchronous
// fold never yields to; here workers write into shared memory that the fold reads as it goes.
// A line no worker has reached yet, or whose worker died, is checked by the fold itself, so the
// pool changes how fast a result comes, never what it is (@kez/core signature-results.ts).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { toHex, type EventSignatures, type SignatureResults } from '@kez/core';
import { CANCEL, READY, type TaskMemory } from './signature-task.js';

/** One input being checked: results by line, readable while the workers still run. */
export interface SignatureTask extends SignatureResults {
  /** Settles when no worker works on this task any more (finished, cancelled or dead). */
  readonly settled: Promise<void>;
  /** Workers stop taking this task's lines (call once the fold is done). */
  cancel(): void;
}

export interface PoolOptions {
  /** Worker threads (default: the cores available). */
  size?: number;
  /** Lines a worker takes at a time. */
  chunk?: number;
  /** The worker module (default: pool-worker.js beside this one; tests pass failing ones). */
  worker?: URL;
}

const WORKER = new URL('./pool-worker.js', import.meta.url);

/**
 * A worker stopped while it loads the native modules takes the process down (bcrypto's init
 * asserts on every N-API call, and they fail in a thread being torn down): so a worker holds
 * the process open, and is not terminated, until it says it is ready — at most this long.
 */
const BOOT_MS = 10_000;

/** The process's Node options, less --input-type (`node --input-type=module -e …`): a worker
 * given it refuses to start (ERR_INPUT_TYPE_NOT_ALLOWED). */
const WORKER_EXEC_ARGV = process.execArgv.filter((a) => !a.startsWith('--input-type'));

/** A worker and what decides whether it holds the process open. */
interface Slot {
  /** Settles once it has loaded (or is gone, or BOOT_MS passed). */
  ready: Promise<void>;
  booted: boolean;
  /** Tasks it has not finished: while there are some, it holds the process open too. */
  busy: number;
}

/** A task no worker runs: every result is undefined, so the fold checks everything. */
const NONE: SignatureTask = {
  settled: Promise.resolve(),
  cancel() {},
  at: () => undefined,
};

/** The input as LF-ended lines of JSON (array elements are serialized here), or null. */
function linesOf(input: string | readonly unknown[]): string | null {
  if (typeof input === 'string') return input.endsWith('\n') ? input : null;
  try {
    return input.map((e) => `${JSON.stringify(e)}\n`).join('');
  } catch {
    return null; // not JSON (a BigInt, a cycle): the fold reports what is wrong
  }
}

function taskMemory(id: number, text: string, chunk: number): TaskMemory {
  const bytes = Buffer.byteLength(text);
  const textBuf = new SharedArrayBuffer(bytes);
  const view = Buffer.from(textBuf);
  view.write(text);
  const ends: number[] = [];
  for (let at = view.indexOf(10); at >= 0; at = view.indexOf(10, at + 1)) ends.push(at + 1);
  const starts = new Int32Array(new SharedArrayBuffer(4 * (ends.length + 1)));
  starts.set(ends, 1);
  return {
    id,
    text: textBuf,
    starts: starts.buffer as SharedArrayBuffer,
    control: new SharedArrayBuffer(8),
    states: new SharedArrayBuffer(4 * ends.length),
    hashes: new SharedArrayBuffer(32 * ends.length),
    lines: ends.length,
    chunk,
  };
}

export class SignaturePool {
  readonly size: number;
  readonly #chunk: number;
  readonly #worker: URL;
  readonly #workers = new Map<Worker, Slot>();
  /** Per task id, the workers still on it and how to settle it. */
  readonly #running = new Map<number, { workers: Set<Worker>; settle: () => void }>();
  #nextId = 1;
  #closed = false;

  constructor(opts: PoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? availableParallelism());
    this.#chunk = Math.max(1, opts.chunk ?? 32);
    this.#worker = opts.worker ?? WORKER;
  }

  /** Starts the workers missing (lazily: the first task, or after one died). */
  #fill(): void {
    while (this.#workers.size < this.size) {
      const w = new Worker(this.#worker, { execArgv: WORKER_EXEC_ARGV });
      const slot: Slot = { ready: Promise.resolve(), booted: false, busy: 0 };
      let booted!: () => void;
      slot.ready = new Promise<void>((resolve) => {
        booted = () => {
          clearTimeout(bound);
          slot.booted = true;
          this.#release(w, slot);
          resolve();
        };
      });
      const bound = setTimeout(booted, BOOT_MS).unref();
      w.on('message', (m: 'ready' | number) => (m === 'ready' ? booted() : this.#leave(w, m)));
      // A crash or an exit only loses this worker's pending results: the fold checks those.
      const gone = () => {
        booted();
        this.#workers.delete(w);
        for (const id of [...this.#running.keys()]) this.#leave(w, id);
      };
      w.on('error', gone);
      w.on('exit', gone);
      this.#workers.set(w, slot);
    }
  }

  /** An idle, loaded worker never keeps a process alive. */
  #release(w: Worker, slot: Slot): void {
    if (slot.booted && slot.busy === 0) w.unref();
  }

  #leave(w: Worker, id: number): void {
    const r = this.#running.get(id);
    if (!r?.workers.delete(w)) return;
    const slot = this.#workers.get(w);
    if (slot) {
      slot.busy--;
      this.#release(w, slot);
    }
    if (r.workers.size) return;
    this.#running.delete(id);
    r.settle();
  }

  /** Starts checking `input` (a bundle, or an array of events). Never throws. */
  check(input: string | readonly unknown[]): SignatureTask {
    const text = this.#closed ? null : linesOf(input);
    if (text === null) return NONE;
    let t: TaskMemory;
    try {
      this.#fill();
      t = taskMemory(this.#nextId++, text, this.#chunk);
      if (!this.#workers.size || !t.lines) return NONE;
    } catch {
      return NONE; // no threads or no memory: the fold checks everything itself
    }
    const control = new Int32Array(t.control);
    const states = new Int32Array(t.states);
    const hashes = new Uint8Array(t.hashes);
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const workers = new Set(this.#workers.keys());
    this.#running.set(t.id, { workers, settle });
    for (const w of workers) {
      const slot = this.#workers.get(w)!;
      slot.busy++;
      w.ref();
      w.postMessage(t);
    }
    return {
      settled,
      cancel: () => Atomics.store(control, CANCEL, 1),
      at(index: number): EventSignatures | undefined {
        if (!(index >= 0 && index < t.lines)) return undefined;
        const state = Atomics.load(states, index);
        if (!(state & READY)) return undefined;
        return {
          hash: toHex(hashes.subarray(32 * index, 32 * index + 32)),
          verified: state & 0xffff,
        };
      },
    };
  }

  /** Stops every worker; later tasks run without the pool. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#workers];
    this.#workers.clear();
    // Ref'd again while it stops: awaiting an unref'd thread's exit would not keep a process
    // (an ES module's top-level await, say) alive until it has.
    await Promise.all(
      all.map(([w, slot]) =>
        slot.ready.then(() => {
          w.ref();
          return w.terminate();
        }),
      ),
    );
  }
}
