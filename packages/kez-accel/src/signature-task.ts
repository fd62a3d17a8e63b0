// The shared memory of one pool task (signature-pool.ts, pool-worker.ts): the input's lines as
// UTF-8, and one result slot per line that a worker fills and the folding thread reads while
// it folds, without waiting for a message.
/** Slot state bit: a worker wrote this slot; the low bits are the verified kinds. */
export const READY = 1 << 16;
/** Control words: 0 = cancelled (workers stop taking lines), 1 = the next line to take. */
export const CANCEL = 0;
export const NEXT = 1;

export interface TaskMemory {
  id: number;
  /** The input's lines, each ended by LF. */
  text: SharedArrayBuffer;
  /** Line i is text[starts[i], starts[i + 1] − 1). */
  starts: SharedArrayBuffer;
  control: SharedArrayBuffer;
  /** Int32 per line: 0 until a worker stores READY | verified bits (Atomics). */
  states: SharedArrayBuffer;
  /** 32 bytes per line: the event hash the bits are for (written before its state). */
  hashes: SharedArrayBuffer;
  lines: number;
  /** Lines a worker takes at a time. */
  chunk: number;
}
