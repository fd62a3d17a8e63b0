/**
 * A small hand-written Prometheus text exposition (format 0.0.4): a few counters with labels
 * plus gauges of the store's totals, which the write path keeps in counter rows (a scrape reads
 * one or a few rows, never scans a table). Label values come from fixed sets (route patterns,
 * status codes, SPEC codes), so cardinality stays bounded.
 */
type Labels = Record<string, string>;

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = JSON.stringify(labels);
    const cur = this.values.get(key);
    if (cur) cur.value += by;
    else this.values.set(key, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(JSON.stringify(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values())
      lines.push(`${this.name}${fmt(labels)} ${value}`);
    return lines.join('\n');
  }
}

function fmt(labels: Labels): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return parts.length ? `{${parts.join(',')}}` : '';
}

function gauge(name: string, help: string, value: number): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}`;
}

export interface StateCacheView {
  readonly replayedEvents: number;
  cacheStats(): { heads: number; headWeight: number; histories: number; historyWeight: number };
}

export class Metrics {
  readonly requests = new Counter(
    'kez_sig_http_requests_total',
    'HTTP requests by method, route and status.',
  );
  readonly appends = new Counter(
    'kez_sig_appends_total',
    'Append attempts by result (accepted, idempotent, fork, rejected) and code.',
  );
  readonly forks = new Counter(
    'kez_sig_forks_total',
    'New valid rivals by outcome: stored as evidence, or dropped (counted) by the bounds.',
  );
  readonly reorgs = new Counter(
    'kez_sig_reorgs_total',
    'Recovery reorganizations: a rival won its seq (SPEC §6.8), the main line from there became evidence.',
  );
  readonly superseded = new Counter(
    'kez_sig_superseded_events_total',
    'Former main events a reorganization turned into evidence, by outcome (stored, dropped).',
  );
  /** The chain-state caches, read at scrape time. */
  states: StateCacheView | undefined;

  /** Process memory and the chain-state caches: cheap reads, no I/O. */
  private live(): string[] {
    const mem = process.memoryUsage();
    const out = [
      gauge('process_resident_memory_bytes', 'Resident set size.', mem.rss),
      gauge('nodejs_heap_used_bytes', 'V8 heap in use.', mem.heapUsed),
      gauge('nodejs_heap_total_bytes', 'V8 heap reserved.', mem.heapTotal),
      gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JS.', mem.external),
    ];
    if (!this.states) return out;
    const c = this.states.cacheStats();
    return [
      ...out,
      `# HELP kez_sig_replayed_events_total Events applied by chain replays (fork judging, cold caches).\n# TYPE kez_sig_replayed_events_total counter\nkez_sig_replayed_events_total ${this.states.replayedEvents}`,
      gauge('kez_sig_cached_head_states', 'Chains whose head state is cached.', c.heads),
      gauge('kez_sig_cached_head_claims', 'Claims held by cached head states.', c.headWeight),
      gauge('kez_sig_cached_histories', 'Chains whose history is cached.', c.histories),
      gauge(
        'kez_sig_cached_history_claims',
        'Claim entries held by cached histories.',
        c.historyWeight,
      ),
    ];
  }

  render(gauges: { chains: number; events: number; forkEvents: number }): string {
    return `${[
      this.requests.render(),
      this.appends.render(),
      this.forks.render(),
      this.reorgs.render(),
      this.superseded.render(),
      ...this.live(),
      gauge('kez_sig_chains', 'Chains stored.', gauges.chains),
      gauge('kez_sig_events', 'Main-chain events stored.', gauges.events),
      gauge('kez_sig_fork_events', 'Fork evidence events stored.', gauges.forkEvents),
    ].join('\n')}\n`;
  }
}
