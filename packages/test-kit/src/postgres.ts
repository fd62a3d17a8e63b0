// A throwaway PostgreSQL cluster for sig-server's tests and the soak script: Debian's
// initdb/pg_ctl, a temp directory, a free loopback port, trust auth on 127.0.0.1 only, and fault
// injection (stop or SIGKILL it, then start it again on the same port). PostgreSQL refuses to run as
// root, so under root the cluster runs as the `postgres` system user (created by Debian's package).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface PgCluster {
  url: string;
  /** Stops the cluster and removes its files. */
  stop(): void;
  /** Fault injection: `pg_ctl stop -m MODE` or SIGKILL of the postmaster, files kept. */
  halt(how: 'fast' | 'immediate' | 'kill'): void;
  /** Starts a halted cluster again on the same port. */
  resume(): void;
}

function pgBin(tool: string): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const v of versions) {
    const p = join(base, v, 'bin', tool);
    if (existsSync(p)) return p;
  }
  throw new Error(
    `PostgreSQL ${tool} not found under ${base}: run packages/sig-server/scripts/setup.sh`,
  );
}

export async function startPgCluster(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'kez-sig-pg-'));
  const asRoot = userInfo().uid === 0;
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', pgBin(tool), ...args]]
      : [pgBin(tool), args];
    execFileSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  };
  if (asRoot) {
    const pw = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(pw), Number(gid));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  run('initdb', [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200`,
      'start',
    ]);
  start();
  let stopped = false;
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        if (running) run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    halt(how) {
      running = false;
      if (how !== 'kill') {
        run('pg_ctl', ['-D', data, '-m', how, '-w', 'stop']);
        return;
      }
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(pid, 'SIGKILL');
      // The backends notice their postmaster is gone and exit; wait until the port is free.
      for (let i = 0; i < 100; i++) {
        try {
          execFileSync('pg_isready', ['-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
        } catch {
          return;
        }
        execFileSync('sleep', ['0.1']);
      }
    },
    resume() {
      // After a SIGKILL the old backends may hold the shared memory for a moment.
      for (let attempt = 1; ; attempt++) {
        try {
          start();
          break;
        } catch (err) {
          if (attempt >= 20) throw err;
          execFileSync('sleep', ['0.25']);
        }
      }
      running = true;
    },
  };
}
