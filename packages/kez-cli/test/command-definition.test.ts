// The command-definition helper: the commander program generated from declarations hands each
// handler its own arguments and options, under the declared keys, with defaults and parsers.
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  arg,
  type CommandSpec,
  command,
  flag,
  flagGiven,
  negatable,
  option,
  parsedOption,
  repeatable,
  requiredOption,
  wireCommands,
} from '../src/command-definition.js';
import type { Env } from '../src/context.js';

const env = {} as Env;

/** Parses argv against the specs, running the handler of the command that matches. */
async function parse(specs: CommandSpec[], argv: string[]) {
  const program = new Command('kez').exitOverride().configureOutput({ writeErr: () => {} });
  wireCommands(program, specs, async (spec, cmd) => {
    expect(cmd.name()).toBe(spec.name);
    await spec.run?.(env, cmd.processedArgs, cmd.opts());
  });
  await program.parseAsync(argv, { from: 'user' });
}

describe('command definitions', () => {
  it('gives the matching (sub)command its typed arguments and options', async () => {
    const got: unknown[] = [];
    const specs = [
      command({
        name: 'group',
        description: 'a group',
        subcommands: [
          command({
            name: 'do',
            description: 'the leaf',
            args: [arg('<subject>', 's'), arg('[extra]', 'e')],
            options: {
              format: option('--format <f>', 'f', 'md'),
              key: option('--key <name>', 'k'),
              expiresAt: parsedOption('--expires-at <ts>', 't', Number),
              locator: repeatable('--locator <url>', 'l'),
              precommit: negatable('--no-precommit', 'p'),
              secret: flag('--secret', 's'),
            },
            run: async (_env, args, opts) => {
              // Typed: subject is a string, extra string | undefined, expiresAt number | undefined.
              const subject: string = args[0];
              const extra: string | undefined = args[1];
              const expires: number | undefined = opts.expiresAt;
              got.push({ subject, extra, expires, ...opts });
            },
          }),
        ],
      }),
    ];
    await parse(specs, [
      'group',
      'do',
      'github:a',
      '--locator',
      'x',
      '--expires-at',
      '7',
      '--locator',
      'y',
    ]);
    await parse(specs, [
      'group',
      'do',
      'b',
      'more',
      '--no-precommit',
      '--secret',
      '--format',
      'dns',
    ]);
    expect(got).toEqual([
      {
        subject: 'github:a',
        extra: undefined,
        expires: 7,
        format: 'md',
        locator: ['x', 'y'],
        precommit: true,
        expiresAt: 7,
      },
      {
        subject: 'b',
        extra: 'more',
        expires: undefined,
        format: 'dns',
        locator: [],
        precommit: false,
        secret: true,
      },
    ]);
  });

  it('refuses a missing required option and a missing argument as usage errors', async () => {
    const specs = [
      command({
        name: 'import',
        description: 'i',
        args: [arg('<file>', 'f')],
        options: { alg: requiredOption('--alg <alg>', 'a') },
        run: async () => {
          throw new Error('must not run');
        },
      }),
    ];
    await expect(parse(specs, ['import', 'f'])).rejects.toMatchObject({
      code: 'commander.missingMandatoryOptionValue',
    });
    await expect(parse(specs, ['import', '--alg', 'x'])).rejects.toBeInstanceOf(CommanderError);
  });

  it('refuses an option declared under a key commander would not use', () => {
    const specs = [
      command({
        name: 'add',
        description: 'a',
        options: { expires: option('--expires-at <ts>', 'mis-keyed') },
        run: async () => {},
      }),
    ];
    expect(() => wireCommands(new Command('kez'), specs, async () => {})).toThrow(
      'option --expires-at <ts> is declared as expires, not expiresAt',
    );
  });

  it('finds a flag in argv by its declared names, not after --', () => {
    const quiet = flag('-q, --quiet', 'q');
    expect(flagGiven(['key', '-q'], quiet)).toBe(true);
    expect(flagGiven(['--quiet'], quiet)).toBe(true);
    expect(flagGiven(['--', '-q'], quiet)).toBe(false);
    expect(flagGiven(['--quieter'], quiet)).toBe(false);
  });
});
