// Runs the built `kez` binary as a subprocess against a temporary KEZ_HOME.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The command as npm links it: bin/kez.js, which runs the bundle `npm run build` makes. */
export const BIN = fileURLToPath(new URL('../bin/kez.js', import.meta.url));

/** A fixed clock (2025-10-09), in the past: signing refuses a --now ahead of the system clock. */
export const NOW = 1_760_000_000;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  home?: string;
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  /** Pass no --now (use the system clock). */
  realClock?: boolean;
}

export function run(args: string[], opts: RunOptions = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: undefined,
    FORCE_COLOR: undefined,
    ...opts.env,
  };
  if (opts.home !== undefined) env.KEZ_HOME = opts.home;
  const argv = [BIN, ...(opts.realClock ? [] : ['--now', String(NOW)]), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs and parses stdout as exactly one JSON document (adds --json). */
export async function runJson(
  args: string[],
  opts: RunOptions = {},
): Promise<{ code: number; doc: any; stderr: string }> {
  const r = await run(['--json', ...args], opts);
  let doc: unknown;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(
      `stdout is not one JSON document (exit ${r.code}): ${JSON.stringify(r.stdout)} stderr: ${r.stderr}`,
    );
  }
  return { code: r.code, doc, stderr: r.stderr };
}

/** Like run, but fails the test unless the exit code is 0. */
export async function ok(args: string[], opts: RunOptions = {}): Promise<Run> {
  const r = await run(args, opts);
  if (r.code !== 0)
    throw new Error(
      `kez ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
  return r;
}

export function tempHome(): { home: string; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kez-cli-test-'));
  return {
    dir,
    home: join(dir, 'home'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
