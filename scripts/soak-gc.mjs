// Preloaded into each process the soak starts (node --expose-gc --import): on SIGUSR2 it forces a
// full garbage collection and writes the process's memory after it to stderr as one line, so the
// soak can tell retention (post-GC heap and RSS climbing) from garbage and a young heap filling.
process.on('SIGUSR2', () => {
  globalThis.gc?.({ type: 'major', execution: 'sync' });
  globalThis.gc?.({ type: 'major', execution: 'sync' });
  const m = process.memoryUsage();
  process.stderr.write(
    `soak-mem ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external })}\n`,
  );
});
