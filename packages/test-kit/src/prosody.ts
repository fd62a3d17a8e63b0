// A real XMPP server (Debian's prosody 0.12) on a free loopback port: its own config and data
// directory, a self-signed certificate for every VirtualHost (trusted by the client through
// ChannelsConfig.tlsCa), c2s only (the hosts are all local, so no s2s), accounts made with
// prosodyctl. Used by the xmpp channel's tests.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { selfSignedCert, type SelfSignedCert } from './tls-cert.js';

export interface RunningProsody {
  /** The c2s port on 127.0.0.1. */
  port: number;
  hosts: string[];
  /** The certificate every host presents (PEM; put it in tlsCa). */
  cert: SelfSignedCert;
  /** Every host → the server, for ChannelsConfig.hostMap. */
  hostMap: Record<string, string>;
  /** Creates the account `jid` (name@host of one of the hosts). */
  register(jid: string, password: string): Promise<void>;
  stop(): Promise<void>;
}

const PROSODY = process.env.PROSODY_BIN ?? '/usr/bin/prosody';
const PROSODYCTL = process.env.PROSODYCTL_BIN ?? '/usr/bin/prosodyctl';

const lua = (s: string) => JSON.stringify(s);

function config(dir: string, port: number, hosts: string[]): string {
  return [
    // Root only in CI and this sandbox; the server binds a loopback port, nothing privileged.
    'run_as_root = true',
    `pidfile = ${lua(join(dir, 'prosody.pid'))}`,
    `data_path = ${lua(join(dir, 'data'))}`,
    `certificates = ${lua(join(dir, 'certs'))}`,
    'log = { { levels = { min = "warn" }, to = "console" } }',
    'interfaces = { "127.0.0.1" }',
    `c2s_ports = { ${port} }`,
    'c2s_direct_tls_ports = { }',
    'legacy_ssl_ports = { }',
    's2s_ports = { }',
    // What a user's profile needs: vCard4 over PEP and its vcard-temp bridge (XEP-0398).
    'modules_enabled = { "roster", "saslauth", "tls", "disco", "pep", "vcard4", "vcard_legacy", "ping" }',
    'modules_disabled = { "s2s", "offline" }',
    'authentication = "internal_hashed"',
    'storage = "internal"',
    'c2s_require_encryption = true',
    `ssl = { certificate = ${lua(join(dir, 'certs', 'cert.pem'))}, key = ${lua(join(dir, 'certs', 'key.pem'))} }`,
    ...hosts.map((h) => `VirtualHost ${lua(h)}`),
    '',
  ].join('\n');
}

async function waitListening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`prosody exited with ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        res(true);
      });
      s.once('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`prosody did not listen within 10 s: ${log()}`);
}

export async function startProsody(hosts: string[]): Promise<RunningProsody> {
  // Checked first: a spawn of a missing binary is an 'error' event, not a readable message.
  await access(PROSODY, constants.X_OK).catch(() => {
    throw new Error(
      `prosody not found at ${PROSODY}: install Debian's prosody package (bash packages/kez-channels/scripts/setup.sh)`,
    );
  });
  const dir = await mkdtemp(join(tmpdir(), 'kez-prosody-'));
  const [port, cert] = await Promise.all([freePort(), selfSignedCert(hosts)]);
  await mkdir(join(dir, 'certs'));
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'certs', 'cert.pem'), cert.cert);
  await writeFile(join(dir, 'certs', 'key.pem'), cert.key, { mode: 0o600 });
  const cfg = join(dir, 'prosody.cfg.lua');
  await writeFile(cfg, config(dir, port, hosts));
  let output = '';
  const child = spawn(PROSODY, ['--config', cfg, '-F'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  try {
    await waitListening(port, child, () => output);
  } catch (e) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    port,
    hosts,
    cert,
    hostMap: Object.fromEntries(hosts.map((h) => [h, `http://127.0.0.1:${port}`])),
    async register(jid, password) {
      const at = jid.lastIndexOf('@');
      // prosodyctl writes the account to the data directory; the running server reads it there.
      await promisify(execFile)(PROSODYCTL, [
        '--config',
        cfg,
        'register',
        jid.slice(0, at),
        jid.slice(at + 1),
        password,
      ]);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
