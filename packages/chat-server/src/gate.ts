// Bounded concurrency for the auth callout: at most `maxActive` logins are checked at once and
// at most `maxQueued` wait. A login that cannot start before its deadline is shed at once with
// a clear refusal, instead of piling up until the broker's auth timeout fires for everyone.
export class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxActive: number,
    private readonly maxQueued: number,
  ) {}

  /** Runs `fn` when a slot is free; null (fn not run) when the queue is full or `deadline`
   *  (performance.now() ms) passes first. */
  async run<T>(deadline: number, fn: () => Promise<T>): Promise<T | null> {
    if (this.active >= this.maxActive) {
      if (this.waiting.length >= this.maxQueued) return null;
      const started = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(
          () => {
            const i = this.waiting.indexOf(go);
            if (i >= 0) this.waiting.splice(i, 1);
            resolve(false);
          },
          Math.max(0, deadline - performance.now()),
        );
        const go = () => {
          clearTimeout(timer);
          resolve(true);
        };
        this.waiting.push(go);
      });
      if (!started) return null;
    } else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  get load(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiting.length };
  }
}
