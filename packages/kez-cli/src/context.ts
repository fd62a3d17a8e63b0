// What every command receives: the output layer, the store, the clock and core (lazily).
import type { Command } from 'commander';
import type { Outcome } from './exit-codes.js';
import type { Output } from './output.js';
import type { Store } from './store.js';
import type { KezCore } from './core.js';

export interface Env {
  out: Output;
  store: Store;
  /** The clock in Unix seconds (--now, else the system clock). */
  now: number;
  core(): Promise<KezCore>;
}

/** A command's action: positional arguments, its options; returns how the run ended (default valid → 0). */
// biome-ignore lint/suspicious/noConfusingVoidType: most handlers print and return nothing
export type Action<O> = (env: Env, args: string[], opts: O) => Promise<Outcome | void>;

export interface Ctx {
  /** Adapts an action to commander: builds the Env from the global options, records the outcome. */
  action<O = Record<string, unknown>>(fn: Action<O>): (...args: unknown[]) => Promise<void>;
}

/** One command module: adds its commands to the program. */
export type Register = (program: Command, ctx: Ctx) => void;
