// What every command receives: the output layer, the store, the clock and core (lazily).
import type { Output } from './output.js';
import type { Store } from './store.js';
import type { KezCore } from './core.js';

export interface Env {
  out: Output;
  /** The width human output fits (stdout's terminal, else $COLUMNS); undefined: no fitting. */
  columns: number | undefined;
  store: Store;
  /** The verification clock in Unix seconds (--now, else the system clock). */
  now: number;
  /** The process environment, injected (tokens, NATS_URL, KEZ_CHANNELS_CONFIG …). */
  vars: Readonly<Record<string, string | undefined>>;
  /** The system clock in Unix seconds: what every other verifier's clock is close to. */
  systemNow: number;
  core(): Promise<KezCore>;
}
