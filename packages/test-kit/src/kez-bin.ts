// The built `kez` command as users run it (@kez/cli bin/kez.js, which loads the bundle), for
// tests that run it as a subprocess.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export const KEZ_BIN = join(dirname(require.resolve('@kez/cli')), '..', 'bin', 'kez.js');

/** Runs `kez ARGS` against the store `home`, without colour; resolves with its exit and output. */
export function runKez(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KEZ_BIN, ...args], {
      env: { ...process.env, KEZ_HOME: home, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/**
 * Runs `kez ARGS` on a pseudo-terminal `columns` wide (util-linux `script`; `stty cols` sets
 * the size), colour allowed unless `env` says otherwise. Asynchronous, so peers served by the
 * test's own process keep answering. `screen` is what the terminal got (stdout and stderr).
 */
export function runKezOnTerminal(
  home: string,
  args: string[],
  columns: number,
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; screen: string }> {
  const quote = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  const cmd = `stty cols ${columns} rows 50; exec ${[process.execPath, KEZ_BIN, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      env: { ...process.env, KEZ_HOME: home, TERM: 'xterm-256color', NO_COLOR: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => {
      screen += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, screen }));
  });
}

/**
 * The lines a terminal shows for `screen`: CSI sequences dropped, and a line redrawn after a
 * carriage return (a cleared progress line) counted as what was drawn last.
 */
export function screenLines(screen: string): string[] {
  return (
    screen
      // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal output is parsed here
      .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
      .split(/\r?\n/)
      .map((l) => l.slice(l.lastIndexOf('\r') + 1))
  );
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Columns a plain line takes (one per grapheme; nothing kez prints here is double-width). */
export function columnsOf(line: string): number {
  return [...graphemes.segment(line)].length;
}
