// Builds the program from the command modules, parses argv, and turns whatever ended the run
// (a result, a CliError, a KezError, a commander usage error) into output and an exit code.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  addOptions,
  flag,
  flagGiven,
  helpFooter,
  negatable,
  type OptionValues,
  option,
  parsedOption,
  type Runner,
  wireCommands,
} from './command-definition.js';
import { loadCommands } from './commands/index.js';
import type { Env } from './context.js';
import { loadCore } from './core.js';
import { CliError } from './errors.js';
import { isKezError, STATUSES } from '@kez/core/errors';
import { exitCodeFor, type Outcome } from './exit-codes.js';
import { TooLargeError } from './fs-safe.js';
import { Output, type Stream } from './output.js';
import { defaultHome, Store } from './store.js';
import { parseTimeInput, TIME_FORMS } from './time-input.js';
import { packageVersion } from './version.js';

export interface Io {
  stdout: Stream;
  stderr: Stream;
  env: NodeJS.ProcessEnv;
}

export const GLOBAL_OPTIONS = {
  home: option('--home <dir>', 'the local store (default $KEZ_HOME, else ~/.kez)'),
  json: flag('--json', 'machine output: exactly one JSON document on stdout'),
  now: parsedOption(
    '--now <time>',
    'the verification clock: Unix seconds or ISO 8601 (signing refuses one ahead of the system clock)',
    parseNow,
  ),
  color: negatable(
    '--no-color',
    'no ANSI colour (also NO_COLOR, or when stdout is not a terminal)',
  ),
  quiet: flag('-q, --quiet', 'no progress lines on stderr'),
};
type GlobalOptions = OptionValues<typeof GLOBAL_OPTIONS>;

const STATUS_SET: ReadonlySet<string> = new Set(STATUSES);

export async function main(
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const args = argv.slice(2);
  // Errors can happen before commander has parsed the global options; these flags decide how
  // such errors are printed.
  const early = earlyFlags(args);
  let out: Output = makeOutput(early, io);
  let outcome: Outcome = 'valid';
  const helpText: string[] = [];

  const program = new Command('kez')
    .description('Make and check KEZ keys, claims and sigchains')
    .version(packageVersion(), '-V, --version', 'print the version');
  addOptions(program, GLOBAL_OPTIONS);
  program.addHelpText(
    'after',
    helpFooter([
      'kez key gen',
      'kez sigchain init',
      'kez claim github:NAME',
      'kez help sigchain rotate',
    ]),
  );
  program.exitOverride().configureOutput({
    writeOut: (s) => (early.json ? helpText.push(s) : io.stdout.write(s)),
    writeErr: (s) => helpText.push(s),
    // Usage errors are rendered by fail() below, as text or as a JSON error document.
    outputError: () => undefined,
  });

  const runner: Runner = async (spec, cmd) => {
    const env = makeEnv(cmd.optsWithGlobals<GlobalOptions>(), io);
    out = env.out;
    try {
      outcome = (await spec.run?.(env, cmd.processedArgs, cmd.opts())) ?? 'valid';
    } finally {
      env.store.unlock();
      env.out.finish();
    }
  };
  wireCommands(program, await loadCommands(commandName(program, args)), runner);

  try {
    await program.parseAsync(helpArgv(program, argv), { from: 'node' });
    return exitCodeFor(outcome);
  } catch (e) {
    if (e instanceof CommanderError) return commanderExit(e, program, args, out, helpText, io);
    return fail(out, toCliError(e));
  }
}

/** Index in args of the first word after the global options (and the values of those that take one). */
function wordIndex(program: Command, args: string[]): number {
  let i = 0;
  while (i < args.length && args[i]!.startsWith('-')) {
    const opt = program.options.find((o) => o.long === args[i] || o.short === args[i]);
    i += opt?.required ? 2 : 1;
  }
  return i;
}

/** The command argv names: `kez [options] NAME …` or `kez [options] help NAME …`. */
function commandName(program: Command, args: string[]): string | undefined {
  const i = wordIndex(program, args);
  return args[i] === 'help' ? args[i + 1] : args[i];
}

/**
 * `kez help sigchain rotate` as `kez sigchain rotate --help` (commander's own help command
 * looks one level deep only).
 */
function helpArgv(program: Command, argv: string[]): string[] {
  const args = argv.slice(2);
  const i = wordIndex(program, args);
  if (args[i] !== 'help') return argv;
  const words = args.slice(i + 1);
  if (words.length === 0) return argv;
  const head = [...argv.slice(0, 2), ...args.slice(0, i)];
  let cmd = program;
  for (const w of words) {
    const sub = cmd.commands.find((c) => c.name() === w);
    // An unknown word: run the words as a command, for commander's "unknown command" error.
    if (!sub) return [...head, ...words];
    cmd = sub;
  }
  return [...head, ...words, '--help'];
}

function makeEnv(g: GlobalOptions, io: Io): Env {
  const systemNow = Math.floor(Date.now() / 1000);
  const out = makeOutput(
    { json: g.json === true, color: g.color !== false, quiet: g.quiet === true },
    io,
  );
  return {
    out,
    columns: out.columns,
    store: new Store(g.home ?? defaultHome(io.env)),
    now: g.now ?? systemNow,
    systemNow,
    vars: io.env,
    core: loadCore,
  };
}

function makeOutput(f: { json: boolean; color: boolean; quiet: boolean }, io: Io): Output {
  return new Output({
    json: f.json,
    colorFlag: f.color,
    quiet: f.quiet,
    env: io.env,
    stdout: io.stdout,
    stderr: io.stderr,
  });
}

function earlyFlags(args: string[]): { json: boolean; color: boolean; quiet: boolean } {
  return {
    json: flagGiven(args, GLOBAL_OPTIONS.json),
    color: !flagGiven(args, GLOBAL_OPTIONS.color),
    quiet: flagGiven(args, GLOBAL_OPTIONS.quiet),
  };
}

function parseNow(value: string): number {
  const t = parseTimeInput(value);
  if (t === undefined) throw new InvalidArgumentError(`expected ${TIME_FORMS}`);
  return t;
}

function commanderExit(
  e: CommanderError,
  program: Command,
  args: string[],
  out: Output,
  helpText: string[],
  io: Io,
): number {
  // `--help`, `kez help CMD` (commander.help with exit code 0) and `--version` are not errors.
  if (
    e.code === 'commander.helpDisplayed' ||
    e.code === 'commander.version' ||
    (e.code === 'commander.help' && e.exitCode === 0)
  ) {
    if (out.json)
      out.result(
        e.code === 'commander.version'
          ? { version: packageVersion() }
          : { help: helpText.join('') },
        () => '',
      );
    return 0;
  }
  const path = commandPath(program, args);
  if (e.code === 'commander.help' || e.code === 'commander.executeSubCommandAsync') {
    // A command group called without a subcommand: its help, as a usage error.
    if (!out.json) io.stderr.write(helpText.join(''));
    return fail(
      out,
      new CliError(
        'usage',
        `${path}: missing command`,
        `run \`${path} --help\` to see the commands`,
      ),
    );
  }
  const message = e.message.replace(/^error: /, '');
  return fail(out, new CliError('usage', message, `run \`${path} --help\` for usage`));
}

/** The command words in argv ("kez sigchain add"), for hints. */
function commandPath(program: Command, args: string[]): string {
  const names = ['kez'];
  let cmd = program;
  for (const token of args) {
    if (token === '--') break;
    const sub = cmd.commands.find((c) => c.name() === token || c.aliases().includes(token));
    if (!sub) continue;
    cmd = sub;
    names.push(token);
  }
  return names.join(' ');
}

function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof TooLargeError)
    return new CliError(
      'invalid',
      `input is too large (${e.message})`,
      'check that the file is the one you meant',
      'too_large',
    );
  // A KezError from core (its brand comes from the errors subpath: core itself loads lazily).
  // Its message names no secret.
  if (isKezError(e) && STATUS_SET.has(e.status)) {
    return new CliError(
      e.status as Outcome,
      e.message,
      'see SPEC.md §9 for what this status means',
      e.code,
    );
  }
  const detail = e instanceof Error ? e.message : String(e);
  return new CliError(
    'local',
    `internal error: ${detail}`,
    'this is a bug in kez; please report it with the command you ran',
    'internal',
  );
}

function fail(out: Output, err: CliError): number {
  out.error({ code: err.code, message: err.message, hint: err.hint });
  return exitCodeFor(err.outcome);
}
