// Preloaded into each process the soak starts (node --expose-gc --import): on SIGUSR2 it forces a
// full garbage collection and writes the process's memory after it to stderr as one line, so the
// soak can tell retention (post-GC heap and RSS climbing) from garbage and a young heap filling.
// RSS is split by mapping (/proc/self/smaps): `brk` is glibc's main malloc arena, `anon` every
// other anonymous mapping (V8's heap pages, other malloc arenas, thread stacks), `file` code and
// mapped files; that tells V8 keeping pages from native allocations (SQLite, buffers) fragmenting.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

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

process.on('SIGUSR2', () => {
  globalThis.gc?.({ type: 'major', execution: 'sync' });
  globalThis.gc?.({ type: 'major', execution: 'sync' });
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
