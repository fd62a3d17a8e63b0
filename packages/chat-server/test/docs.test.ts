// The deployment docs are checked against real tools: docker-compose validates the compose
// file (our two services, no NATS); the operator snippet docs/nats.conf runs in a real
// nats-server and chat-server admits a KEZ login through it; Appendix A's one-liner starts a
// working dev broker.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { buildLoginToken } from '@kez/chat-client';
import { createLogger, startChatServer } from '../src/index.js';
import { AUDIENCE, chatConfig } from './support/chat-harness.js';
import { PublishedChain as TestIdentity } from '@kez/test-kit/published-chain';
import { freePort } from '@kez/test-kit';
import { devSecrets, natsServerBin, startNatsWith } from '@kez/test-kit/nats-server';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const docs = join(root, 'docs');

describe('docs/docker-compose.yml', () => {
  async function composeConfig(): Promise<string> {
    const { stdout } = await run(
      'docker-compose',
      ['-f', join(docs, 'docker-compose.yml'), 'config'],
      {
        env: {
          ...process.env,
          NATS_URL: 'nats://nats.example.internal:4222',
          KEZ_CHAT_AUDIENCE: 'chat.example.org',
        },
      },
    );
    return stdout;
  }
  /** One service's block of `docker-compose config` output. */
  function service(stdout: string, name: string): string {
    const services = stdout.slice(stdout.indexOf('\nservices:\n'));
    const start = services.indexOf(`\n  ${name}:\n`);
    const rest = services.slice(start + 1);
    const end = rest.slice(1).search(/\n {2}[a-z][a-z0-9-]*:\n|\n[a-z]+:/);
    return end < 0 ? rest : rest.slice(0, end + 1);
  }

  it('passes `docker-compose config` and holds our two services only (sig-server twice)', async () => {
    const stdout = await composeConfig();
    const services = stdout.slice(
      stdout.indexOf('\nservices:\n'),
      stdout.search(/\n(volumes|version):/),
    );
    expect([...services.matchAll(/^ {2}([a-z][a-z0-9-]*):$/gm)].map((m) => m[1]).sort()).toEqual([
      'chat-server',
      'sig-server',
      'sig-server-internal',
    ]);
    expect(stdout).toContain('NATS_URL: nats://nats.example.internal:4222');
    expect(stdout).not.toMatch(/image: .*nats/i);
  });

  it("reads chains from a sig-server whose rate limit cannot starve logins, and keeps the public one's", async () => {
    const stdout = await composeConfig();
    const chat = service(stdout, 'chat-server');
    const internal = service(stdout, 'sig-server-internal');
    const pub = service(stdout, 'sig-server');
    expect(chat).toContain('SIG_SERVER_URL: http://sig-server-internal:8787');
    expect(internal).toMatch(/KEZ_SIG_RATE_LIMIT: '0'/);
    expect(internal).not.toMatch(/ports:/); // not reachable from outside
    expect(internal).toMatch(/networks:\n\s+internal:/);
    expect(internal).toContain('sig-data:/data'); // the same store as the public one
    expect(pub).toContain('sig-data:/data');
    expect(pub).not.toMatch(/KEZ_SIG_RATE_LIMIT/); // the production default (600/min per IP)
    expect(stdout).toMatch(/networks:\n {2}internal:\n {4}internal: true/);
  });
});

describe('docs/nats.conf in a real nats-server', () => {
  it('lets chat-server serve the callout and admit a KEZ login', async () => {
    const s = devSecrets({ xkey: true });
    const snippet = readFileSync(join(docs, 'nats.conf'), 'utf8')
      .replaceAll('<ISSUER_PUBLIC_KEY>', s.issuerPublic)
      .replaceAll('<XKEY_PUBLIC_KEY>', s.xkeyPublic);
    expect(snippet).not.toMatch(/<[A-Z_]+>/);
    const nats = await startNatsWith(
      (port: number, storeDir: string) =>
        `listen: 127.0.0.1:${port}\n${snippet.replace('/var/lib/nats/jetstream', storeDir)}`,
      { env: { KEZ_CHAT_CALLOUT_PASS: s.calloutPass, KEZ_CHAT_APP_PASS: s.appPass } },
    );
    const logs: string[] = [];
    const chat = await startChatServer(
      chatConfig({
        natsUrl: nats.url,
        issuerSeed: s.issuerSeed,
        xkeySeed: s.xkeySeed,
        calloutPass: s.calloutPass,
        appPass: s.appPass,
      }),
      createLogger({ write: (l) => logs.push(l) }),
    );
    try {
      const id = await TestIdentity.create(inject('sigUrl'));
      const nc = await connect({
        servers: nats.url,
        token: buildLoginToken(id.primary, id.identity, AUDIENCE),
        reconnect: false,
      });
      await nc.close();
      expect(logs.some((l) => l.includes('login admitted') && l.includes(id.identity))).toBe(true);
      await expect(
        connect({ servers: nats.url, token: 'nonsense', reconnect: false }),
      ).rejects.toThrow(/authorization violation/i);
    } finally {
      await chat.stop();
      await nats.stop();
    }
  });
});

describe('docs/architecture.md', () => {
  it('keeps NATS outside our boundary in the decisions table and the diagram', () => {
    const md = readFileSync(join(docs, 'architecture.md'), 'utf8');
    expect(md).toContain(
      "| NATS | We don't ship, embed, or supervise it. We connect to whatever broker NATS_URL points at. |",
    );
    expect(md).toMatch(/Our project ships two services/i);
    expect(md).toMatch(/stroke-dasharray/); // the operator's NATS drawn behind a dashed line
    expect(md).toMatch(/## NATS: an external dependency/);
  });
});

describe('Appendix A (dev-only broker one-liner)', () => {
  it('is marked dev-only and starts a broker with auth callout and JetStream', async () => {
    const md = readFileSync(join(docs, 'architecture.md'), 'utf8');
    const appendix = md.slice(md.indexOf('## Appendix A'));
    expect(appendix).toMatch(/Development only/);
    expect(appendix).toMatch(/not the production recipe/);
    const oneLiner = /```sh\n(.+)\n```/.exec(appendix)?.[1];
    expect(oneLiner).toBeDefined();
    const s = devSecrets({ xkey: true });
    const port = await freePort();
    const tmp = `/tmp/kez-appx-${process.pid}-${port}`;
    const cmd = oneLiner!
      .replace('ISSUER=A… XKEY=X…', `ISSUER=${s.issuerPublic} XKEY=${s.xkeyPublic}`)
      .replace('127.0.0.1:4222', `127.0.0.1:${port}`)
      .replaceAll('/tmp/kez-nats', tmp);
    const child = spawn('sh', ['-c', cmd], {
      env: { ...process.env, PATH: `${dirname(natsServerBin())}:${process.env.PATH}` },
      stdio: 'ignore',
      detached: true,
    });
    try {
      let nc;
      for (let i = 0; i < 100 && !nc; i++) {
        nc = await connect({
          servers: `nats://127.0.0.1:${port}`,
          user: 'kezchat',
          pass: 'devapp',
          reconnect: false,
        }).catch(() => undefined);
        if (!nc) await new Promise((r) => setTimeout(r, 50));
      }
      expect(nc).toBeDefined();
      const info = await (await jetstreamManager(nc!)).getAccountInfo();
      expect(info.limits).toBeDefined();
      await nc!.close();
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await run('rm', ['-rf', tmp, `${tmp}.conf`]);
    }
  });
});
