// The built `kez` command (@kez/cli's dist/bin.js), for tests that run it as a subprocess.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export const KEZ_BIN = join(dirname(require.resolve('@kez/cli')), 'bin.js');

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
