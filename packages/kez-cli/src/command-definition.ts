// Commands as data: each declared once (name, arguments, typed options, handler, subcommands);
// wireCommands generates the commander program from the declarations, and the handler gets
// its arguments and options typed from the same declaration.
import { type Command, Option } from 'commander';
import type { Env } from './context.js';
import { exitCodesHelp, type Outcome } from './exit-codes.js';

/** One option; T is the value its handler receives. */
export interface OptionDef<T> {
  readonly flags: string;
  readonly description: string;
  readonly mandatory?: boolean;
  readonly defaultValue?: T;
  parse?(value: string, previous: T): T;
  /** Type only: carries T to the handler. */
  readonly value?: T;
}

export type Options = Readonly<Record<string, OptionDef<unknown>>>;
export type OptionValues<O extends Options> = {
  -readonly [K in keyof O]: O[K] extends OptionDef<infer T> ? T : never;
};

/** `--name <value>`: the string given, else the default (or undefined without one). */
export function option(flags: string, description: string): OptionDef<string | undefined>;
export function option(flags: string, description: string, defaultValue: string): OptionDef<string>;
export function option(
  flags: string,
  description: string,
  defaultValue?: string,
): OptionDef<string | undefined> {
  return defaultValue === undefined ? { flags, description } : { flags, description, defaultValue };
}

/** `--name <value>` that must be given. */
export const requiredOption = (flags: string, description: string): OptionDef<string> => ({
  flags,
  description,
  mandatory: true,
});

/** `--name <value>` converted by `parse` (which throws InvalidArgumentError on bad input). */
export const parsedOption = <T>(
  flags: string,
  description: string,
  parse: (value: string) => T,
): OptionDef<T | undefined> => ({ flags, description, parse });

/** `--name <value>`, repeatable: every value given, in order (each through `check`, which throws on bad input). */
export const repeatable = (
  flags: string,
  description: string,
  check: (value: string) => string = (value) => value,
): OptionDef<string[]> => ({
  flags,
  description,
  parse: (value, previous) => [...previous, check(value)],
  defaultValue: [],
});

/** `--name` without a value: true when given. */
export const flag = (flags: string, description: string): OptionDef<boolean | undefined> => ({
  flags,
  description,
});

/** `--no-name`: the value `name`, true unless the flag is given. */
export const negatable = (flags: `--no-${string}`, description: string): OptionDef<boolean> => ({
  flags,
  description,
});

/** A positional argument: `<name>` required, `[name]` optional. */
export interface ArgDef<Required extends boolean> {
  readonly name: string;
  readonly description: string;
  /** Type only. */
  readonly required?: Required;
}

export const arg = <N extends `<${string}>` | `[${string}]`>(
  name: N,
  description: string,
): ArgDef<N extends `<${string}>` ? true : false> => ({ name, description });

export type Args = readonly ArgDef<boolean>[];
export type ArgValues<A extends Args> = {
  -readonly [K in keyof A]: A[K] extends ArgDef<true> ? string : string | undefined;
};

/** How a run ended; nothing means valid. */
// biome-ignore lint/suspicious/noConfusingVoidType: most handlers print and return nothing
export type Ending = Outcome | void;

export interface CommandDef<A extends Args, O extends Options> {
  readonly name: string;
  readonly description: string;
  readonly args?: A;
  readonly options?: O;
  /** Absent for a group that only holds subcommands. */
  readonly run?: (env: Env, args: ArgValues<A>, opts: OptionValues<O>) => Promise<Ending>;
  readonly subcommands?: readonly CommandSpec[];
  /** Command lines shown under "Examples:" in --help (a runnable command needs at least one). */
  readonly examples?: readonly string[];
}

/** A declared command with its types erased, as the wiring sees it. */
export interface CommandSpec {
  readonly name: string;
  readonly description: string;
  readonly args: Args;
  readonly options: Options;
  readonly run?: (env: Env, args: unknown[], opts: Record<string, unknown>) => Promise<Ending>;
  readonly subcommands: readonly CommandSpec[];
  readonly examples: readonly string[];
}

export function command<const A extends Args = [], const O extends Options = Record<never, never>>(
  def: CommandDef<A, O>,
): CommandSpec {
  const run = def.run;
  return {
    name: def.name,
    description: def.description,
    args: def.args ?? [],
    options: def.options ?? {},
    subcommands: def.subcommands ?? [],
    examples: def.examples ?? [],
    // commander fills processedArgs and opts() from exactly these declarations (wireCommands).
    ...(run && {
      run: (env, args, opts) => run(env, args as ArgValues<A>, opts as OptionValues<O>),
    }),
  };
}

/** Runs a declared command's handler for the commander command that matched. */
export type Runner = (spec: CommandSpec, cmd: Command) => Promise<void>;

/** Adds declared options to a commander command, each under its declared key. */
export function addOptions(cmd: Command, options: Options): void {
  for (const [key, def] of Object.entries(options)) {
    const opt = new Option(def.flags, def.description);
    // The handler reads the value by its key: the key must be commander's name for the flag.
    if (opt.attributeName() !== key)
      throw new Error(`option ${def.flags} is declared as ${key}, not ${opt.attributeName()}`);
    if (def.mandatory) opt.makeOptionMandatory();
    if (def.parse) opt.argParser(def.parse);
    if (def.defaultValue !== undefined) opt.default(def.defaultValue);
    cmd.addOption(opt);
  }
}

export function wireCommands(parent: Command, specs: readonly CommandSpec[], runner: Runner): void {
  for (const spec of specs) {
    const cmd = parent.command(spec.name).description(spec.description);
    for (const a of spec.args) cmd.argument(a.name, a.description);
    addOptions(cmd, spec.options);
    if (spec.run) cmd.action(() => runner(spec, cmd.parent ? inherit(cmd, cmd.parent) : cmd));
    cmd.addHelpText('after', helpFooter(spec.examples));
    wireCommands(cmd, spec.subcommands, runner);
  }
}

/** What --help prints after the options: the examples, then the exit codes (one table: exit-codes.ts). */
export function helpFooter(examples: readonly string[]): string {
  const ex =
    examples.length > 0 ? `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n` : '';
  return `${ex}\n${exitCodesHelp()}`;
}

/**
 * commander parses a parent's options first, so a flag that a runnable parent and its
 * subcommand both declare (`claim --format`, `claim show --format`) lands on the parent: the
 * subcommand takes the value given there.
 */
function inherit(cmd: Command, parent: Command): Command {
  for (const key of cmd.options.map((o) => o.attributeName()))
    if (parent.getOptionValueSource(key) === 'cli' && cmd.getOptionValueSource(key) !== 'cli')
      cmd.setOptionValueWithSource(key, parent.getOptionValue(key), 'cli');
  return cmd;
}

/** Whether argv (before any `--`) names a declared flag: for errors raised before parsing. */
export function flagGiven(args: readonly string[], def: OptionDef<unknown>): boolean {
  const end = args.indexOf('--');
  const opt = new Option(def.flags);
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === opt.long || a === opt.short);
}
