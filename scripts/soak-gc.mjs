// Preloaded into each process the soak starts (node --expose-gc --import): on SIGUSR2 it forces a
// full garbage collection and writes the process's memory after it to stderr as one line, so the
// soak can tell retention (post-GC heap and RSS climbing) from garbage and a young heap filling.
// RSS is split by mapping (/proc/self/smaps): `brk` is glibc's main malloc arena, `anon` every
// other anonymous mapping (V8's heap pages, other malloc arenas, thread stacks), `file` code and
// mapped files; that tells V8 keeping pages from native allocations (SQLite, buffers) fragmenting.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';

function rssByMapping() {
  const out = { brk: 0, anon: 0, file: 0 };
  let kind = 'anon';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (head) {
      const name = head[2];
      kind = name === '[heap]' ? 'brk' : name && !name.startsWith('[') ? 'file' : 'anon';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]) * 1024;
  }
  return out;
}

const collect = () => globalThis.gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
const later = (ms) => new Promise((r) => setTimeout(r, ms));

process.on('SIGUSR2', async () => {
  // 'last-resort' is V8's collect-all-available-garbage (repeated full GCs that also shrink the
  // young generation). Even a synchronous GC returns before V8's concurrent sweepers have freed
  // the dead objects: heapUsed read at once still counts them (measured: 112 MiB at once, 3 MiB
  // 300 ms later), and their pages are not yet given back; on a loaded machine the sweepers take
  // longer still. So: collect, then wait until heapUsed stops falling (at most 10 s), collect
  // again, wait again, then read. Even so heapUsed can still count unswept objects; only a heap
  // snapshot (soak.mjs --heap-snapshots) measures the live heap exactly.
  const settle = async () => {
    let last = process.memoryUsage().heapUsed;
    for (let i = 0; i < 50; i++) {
      await later(200);
      const now = process.memoryUsage().heapUsed;
      if (now >= last - 256 * 1024) return;
      last = now;
    }
  };
  collect();
  await settle();
  collect();
  await settle();
  // SOAK_HEAP_SNAPSHOTS=<dir> (soak.mjs --heap-snapshots): a heap snapshot at each sample, taken
  // while the load is paused; it completes its own collection and sweeping, so heapUsed read
  // after it is the live heap.
  if (process.env.SOAK_HEAP_SNAPSHOTS)
    writeHeapSnapshot(
      `${process.env.SOAK_HEAP_SNAPSHOTS}/${process.pid}-${Date.now()}.heapsnapshot`,
    );
  const m = process.memoryUsage();
  const maps = rssByMapping();
  // V8's committed size of its young generation (new space) and old generation (old + large
  // object spaces): which one holds heapTotal − heapUsed after the collection.
  const space = (re) =>
    getHeapSpaceStatistics()
      .filter((x) => re.test(x.space_name))
      .reduce((n, x) => n + x.space_size, 0);
  const young = space(/^new/);
  const old = space(/^(old|lo)_space$/);
  process.stderr.write(
    `soak-mem ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, ...maps, young, old })}\n`,
  );
});
