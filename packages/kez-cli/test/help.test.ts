// `--help` of every command shows examples and the exit-code table (from exit-codes.ts); `kez help
// CMD SUB` shows the subcommand's help.
import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../src/command-definition.js';
import { COMMANDS, loadCommands } from '../src/commands/index.js';
import { exitCodeFor, type Outcome } from '../src/exit-codes.js';
import { ok, run, runJson } from './cli.js';

const commands = await loadCommands();

function paths(specs: readonly CommandSpec[], prefix: string[] = []): string[][] {
  return specs.flatMap((s) => [[...prefix, s.name], ...paths(s.subcommands, [...prefix, s.name])]);
}
const runnable = (specs: readonly CommandSpec[]): CommandSpec[] =>
  specs.flatMap((s) => [...(s.run ? [s] : []), ...runnable(s.subcommands)]);

const OUTCOMES: Outcome[] = [
  'valid',
  'invalid',
  'usage',
  'not_found',
  'revoked',
  'expired',
  'fork',
  'unreachable',
  'local',
];

describe('commands load one by one', () => {
  it('each entry loads the command of its name, in help order', async () => {
    expect(commands.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    for (const entry of COMMANDS)
      expect((await loadCommands(entry.name)).map((c) => c.name)).toEqual([entry.name]);
    expect(await loadCommands('nosuch')).toHaveLength(COMMANDS.length);
  });

  it('top-level help lists every command; a misspelt one is told the right name', async () => {
    const help = (await ok(['--help'])).stdout;
    for (const c of commands) expect(help).toContain(`  ${c.name}`);
    const r = await runJson(['--json', 'clam', 'verify', 'x.md']);
    expect(r.code).toBe(2);
    expect(r.doc.error.message).toMatch(/unknown command 'clam'.*claim/s);
  });
});

describe('help', () => {
  it('every runnable command declares an example that runs it', () => {
    for (const spec of runnable(commands)) {
      expect(spec.examples.length, spec.name).toBeGreaterThan(0);
      for (const e of spec.examples) expect(e).toMatch(/(^|\W)kez /);
    }
  });

  it('--help of every command shows its examples and every exit code', async () => {
    const all = [[], ...paths(commands)];
    const results = await Promise.all(all.map((p) => ok([...p, '--help'])));
    results.forEach((r, i) => {
      const where = `kez ${all[i]!.join(' ')} --help`;
      expect(r.stdout, where).toContain('Exit codes:');
      for (const o of OUTCOMES)
        expect(r.stdout, where).toMatch(new RegExp(`^\\s*${exitCodeFor(o)}  \\S`, 'm'));
      const spec = findSpec(all[i]!);
      if (spec?.run) {
        expect(r.stdout, where).toContain('Examples:');
        for (const e of spec.examples) expect(r.stdout, where).toContain(`$ ${e}`);
      }
    });
  });

  it('`kez help CMD SUB` shows the help of SUB', async () => {
    const viaHelp = await ok(['help', 'sigchain', 'rotate']);
    const viaFlag = await ok(['sigchain', 'rotate', '--help']);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toContain('Usage: kez sigchain rotate');
    expect((await ok(['help', 'claim', 'verify'])).stdout).toContain('Usage: kez claim verify');
    expect((await ok(['help', 'sigchain'])).stdout).toContain('Usage: kez sigchain');
    expect((await run(['help', 'sigchain', 'nosuch'])).code).not.toBe(0);
  });
});

function findSpec(path: string[]): CommandSpec | undefined {
  let specs: readonly CommandSpec[] = commands;
  let found: CommandSpec | undefined;
  for (const w of path) {
    found = specs.find((s) => s.name === w);
    if (!found) return undefined;
    specs = found.subcommands;
  }
  return found;
}
