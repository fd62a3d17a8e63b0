// A signature pool worker: takes lines of a task (an atomic counter, so workers share the work
// without messages), checks each event's signatures with @kez/core's own code on the native
// primitives, and stores the result in the task's shared memory.
import { parentPort } from 'node:worker_threads';
import { eventSignatures, fromHex } from '@kez/core';
import './index.js'; // installs the fast primitives in this thread's @kez/core
import { CANCEL, NEXT, READY, type TaskMemory } from './signature-task.js';

function run(t: TaskMemory): void {
  const control = new Int32Array(t.control);
  const starts = new Int32Array(t.starts);
  const states = new Int32Array(t.states);
  const hashes = new Uint8Array(t.hashes);
  const text = Buffer.from(t.text);
  for (;;) {
    const first = Atomics.add(control, NEXT, t.chunk);
    if (first >= t.lines) return;
    const end = Math.min(t.lines, first + t.chunk);
    for (let i = first; i < end; i++) {
      if (Atomics.load(control, CANCEL) !== 0) return;
      let value: unknown;
      try {
        value = JSON.parse(text.toString('utf8', starts[i]!, starts[i + 1]! - 1));
      } catch {
        Atomics.store(states, i, READY); // not JSON: nothing verified, the fold reports it
        continue;
      }
      const r = eventSignatures(value);
      if (r.hash) hashes.set(fromHex(r.hash, 32), 32 * i);
      Atomics.store(states, i, READY | r.verified);
    }
  }
}

parentPort!.on('message', (t: TaskMemory) => {
  run(t);
  parentPort!.postMessage(t.id);
});
// Loaded (natives included): the pool may now let the process exit, or terminate this thread.
parentPort!.postMessage('ready');
