// Runs the real TS `kez` CLI (built) in a subprocess against a KEZ_HOME, without colour.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const KEZ = fileURLToPath(new URL('../../kez-cli/dist/bin.js', import.meta.url));

export function runKez(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KEZ, ...args], {
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
