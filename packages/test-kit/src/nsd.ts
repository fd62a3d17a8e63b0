// A real authoritative DNS server (Debian's nsd) on a free loopback port, serving zones
// generated from records. Used by the tests' globalSetup, the demo and the bench.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resolver } from 'node:dns/promises';
import { freePort } from './free-port.js';

export interface TxtRecord {
  /** Fully qualified owner name without the trailing dot, e.g. '_kez.alice.example'. */
  name: string;
  /** The character-strings of one TXT record (each ≤ 255 bytes). */
  strings: string[];
}

export interface RunningNsd {
  port: number;
  server: string;
  stop(): Promise<void>;
}

const NSD = process.env.NSD_BIN ?? '/usr/sbin/nsd';

function zoneText(origin: string, records: TxtRecord[]): string {
  const quote = (s: string) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  return [
    `$ORIGIN ${origin}.`,
    '$TTL 60',
    `@ IN SOA ns.${origin}. hostmaster.${origin}. 1 3600 600 86400 60`,
    `@ IN NS ns.${origin}.`,
    'ns IN A 127.0.0.1',
    ...records.map((r) => `${r.name}. IN TXT ${r.strings.map(quote).join(' ')}`),
    '',
  ].join('\n');
}

/** The zone apex for a name: its last two labels. */
function apexOf(name: string): string {
  return name.split('.').slice(-2).join('.');
}

async function waitReady(port: number, origin: string, child: ChildProcess): Promise<void> {
  const r = new Resolver({ timeout: 200, tries: 1 });
  r.setServers([`127.0.0.1:${port}`]);
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nsd exited with ${child.exitCode}`);
    try {
      await r.resolveSoa(origin);
      return;
    } catch {
      await new Promise((res) => setTimeout(res, 50));
    }
  }
  throw new Error('nsd did not answer within 5 s');
}

export async function startNsd(
  records: TxtRecord[],
  /** roundRobin: nsd's `round-robin: yes`, rotating the order of the records in each answer. */
  opts: { port?: number; roundRobin?: boolean } = {},
): Promise<RunningNsd> {
  // Checked first: a spawn of a missing binary is an 'error' event, not a readable message.
  await access(NSD, constants.X_OK).catch(() => {
    throw new Error(
      `nsd not found at ${NSD}: install Debian's nsd package (apt-get install nsd, or bash scripts/setup.sh demo)`,
    );
  });
  const dir = await mkdtemp(join(tmpdir(), 'kez-nsd-'));
  const port = opts.port ?? (await freePort({ udp: true }));
  const byZone = new Map<string, TxtRecord[]>();
  for (const r of records) byZone.set(apexOf(r.name), [...(byZone.get(apexOf(r.name)) ?? []), r]);
  if (byZone.size === 0) byZone.set('kez.test', []);
  const zones: string[] = [];
  for (const [origin, rs] of byZone) {
    await writeFile(join(dir, `${origin}.zone`), zoneText(origin, rs));
    zones.push(`zone:\n  name: "${origin}"\n  zonefile: "${join(dir, `${origin}.zone`)}"\n`);
  }
  const conf = join(dir, 'nsd.conf');
  await writeFile(
    conf,
    [
      'server:',
      `  ip-address: 127.0.0.1@${port}`,
      '  server-count: 1',
      '  username: ""',
      '  chroot: ""',
      `  zonesdir: "${dir}"`,
      `  pidfile: "${join(dir, 'nsd.pid')}"`,
      `  xfrdfile: "${join(dir, 'xfrd.state')}"`,
      `  zonelistfile: "${join(dir, 'zone.list')}"`,
      '  database: ""',
      `  logfile: "${join(dir, 'nsd.log')}"`,
      '  verbosity: 0',
      `  round-robin: ${opts.roundRobin ? 'yes' : 'no'}`,
      'remote-control:',
      '  control-enable: no',
      ...zones,
    ].join('\n'),
  );
  const child = spawn(NSD, ['-d', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.on('error', (e) => {
    stderr += e.message;
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  try {
    // Every zone: nsd loads them one by one, and an unloaded one answers SERVFAIL.
    for (const origin of byZone.keys()) await waitReady(port, origin, child);
  } catch (e) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}: ${stderr.slice(0, 500)}`);
  }
  return {
    port,
    server: `127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((res) => child.once('exit', res));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
