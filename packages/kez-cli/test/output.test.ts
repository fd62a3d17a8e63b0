import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, NOW, ok, run, runJson, tempHome } from './cli.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for the ESC of an ANSI sequence
const ANSI = /\u001b\[/;
const VERSION = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  .version as string;

const t = tempHome();
let claimFile = '';
beforeAll(async () => {
  await ok(['key', 'gen'], { home: t.home });
  await ok(['sigchain', 'init'], { home: t.home });
  claimFile = join(t.dir, 'claim.md');
  await ok(['claim', 'github:someone', '--out', claimFile], { home: t.home });
});
afterAll(() => t.cleanup());

/** Runs kez with stdout and stderr on a pseudo-terminal (util-linux `script`); returns what the terminal showed. */
function onTerminal(
  args: string[],
  env: Record<string, string | undefined> = {},
): { code: number | null; screen: string } {
  const quoted = [process.execPath, BIN, '--now', String(NOW), ...args]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
    .join(' ');
  const r = spawnSync('script', ['-qec', quoted, '/dev/null'], {
    env: { ...process.env, KEZ_HOME: t.home, TERM: 'xterm-256color', NO_COLOR: undefined, ...env },
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return { code: r.status, screen: r.stdout };
}

describe('usage errors', () => {
  it.each([
    [['bogus']],
    [['key', 'gen', '--bogus']],
    [['--now', 'yesterday', 'key', 'list']],
    [['claim', 'verify']],
    [['key', 'gen', '--alg', 'rsa']],
    [['claim', 'github:x', '--format', 'yaml']],
    [['sigchain', 'add', 'github:x', '--expires-at', 'soon']],
    [['key']],
  ])('kez %j exits 2, with a hint, and one JSON error document under --json', async (args) => {
    const human = await run(args, { home: t.home });
    expect(human.code).toBe(2);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(/^error: /m);
    expect(human.stderr).toMatch(/^hint: /m);
    const json = await runJson(args, { home: t.home });
    expect(json.code).toBe(2);
    expect(Object.keys(json.doc)).toEqual(['error']);
    expect(Object.keys(json.doc.error)).toEqual(['code', 'message', 'hint']);
    expect(json.doc.error.hint).not.toBe('');
  });
});

describe('--json', () => {
  it('every command prints exactly one parseable document, results and errors alike', async () => {
    const results = await Promise.all([
      runJson(['key', 'list'], { home: t.home }),
      runJson(['key', 'show'], { home: t.home }),
      runJson(['sigchain', 'show'], { home: t.home }),
      runJson(['sigchain', 'export'], { home: t.home }),
      runJson(['claim', 'verify', claimFile], { home: t.home }),
      runJson(['key', 'show', 'missing'], { home: t.home }),
    ]);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 8]);
    expect(results[3]!.doc.bundle).toBe(
      (await ok(['sigchain', 'export'], { home: t.home })).stdout,
    );
    expect(results[5]!.doc.error).toMatchObject({ code: 'no_key' });
  });

  it('claim --json keeps the encoded text inside the document', async () => {
    const r = await runJson(['claim', 'dns:example.org', '--format', 'dns'], { home: t.home });
    expect(r.code).toBe(0);
    expect(r.doc.text).toMatch(/^"kez:z1:/);
    expect(r.doc.encoding).toBe('dns');
  });
});

describe('version and help', () => {
  it('--version prints the package version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
    const j = await runJson(['--version']);
    expect(j.doc).toEqual({ version: VERSION });
  });

  it('--help goes to stdout with exit 0', async () => {
    const r = await run(['sigchain', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: kez sigchain/);
    expect(r.stdout).toMatch(/revoke-device/);
    const viaHelp = await run(['help', 'key']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toMatch(/Usage: kez key/);
    expect(viaHelp.stderr).toBe('');
  });
});

describe('colour and progress', () => {
  it('colour on a terminal, off with NO_COLOR, --no-color, TERM=dumb, or a pipe', async () => {
    const tty = onTerminal(['claim', 'verify', claimFile]);
    expect(tty.code).toBe(0);
    expect(tty.screen).toMatch(/signature ok/);
    expect(tty.screen).toMatch(ANSI);
    for (const plain of [
      onTerminal(['claim', 'verify', claimFile], { NO_COLOR: '1' }),
      onTerminal(['--no-color', 'claim', 'verify', claimFile]),
      onTerminal(['claim', 'verify', claimFile], { TERM: 'dumb' }),
    ]) {
      expect(plain.screen).toMatch(/signature ok/);
      expect(plain.screen).not.toMatch(ANSI);
    }
    // no-color.org: an empty NO_COLOR does not disable colour
    expect(onTerminal(['claim', 'verify', claimFile], { NO_COLOR: '' }).screen).toMatch(ANSI);
    const piped = await run(['claim', 'verify', claimFile], { home: t.home });
    expect(piped.stdout).toMatch(/signature ok/);
    expect(piped.stdout + piped.stderr).not.toMatch(ANSI);
    const pipedError = await run(['key', 'show', 'missing'], { home: t.home });
    expect(pipedError.stderr).toMatch(/^error: /);
  });

  it('progress lines only on a terminal and not with --quiet', async () => {
    const shown = onTerminal(['claim', 'github:p1', '--format', 'compact']);
    expect(shown.code).toBe(0);
    expect(shown.screen).toMatch(/added at seq/);
    const quiet = onTerminal(['-q', 'claim', 'github:p2', '--format', 'compact']);
    expect(quiet.screen).toMatch(/kez:z1:/);
    expect(quiet.screen).not.toMatch(/added at seq/);
    const piped = await run(['claim', 'github:p3', '--format', 'compact'], { home: t.home });
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toMatch(/^kez:z1:[A-Za-z0-9_-]+\n$/);
  });
});
