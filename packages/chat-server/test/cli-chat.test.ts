// `kez chat ROOM` end to end: the real kez binary, a KEZ_HOME laid out per the CLI contract,
// logging in through the real callout, history, live messages with verified senders.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { addDevice, ed25519, exportBundle, signerFromSecret, toHex, type Signer } from '@kez/core';
import { ChatRoom } from '@kez/chat-client';
import { AUDIENCE, login, runChat, until, type RunningChat } from './support/chat-harness.js';
import { PublishedChain as TestIdentity } from '@kez/test-kit/published-chain';
import { KEZ_BIN as kezBin } from '@kez/test-kit/kez-bin';

let chat: RunningChat;

beforeAll(async () => {
  chat = await runChat();
});
afterAll(async () => {
  await chat.stop();
});

/** A KEZ_HOME holding `id`'s chain and `signer` as the default key (layout: kez-cli README). */
function storeFor(id: TestIdentity, signer: Signer, secret: Uint8Array): string {
  const home = mkdtempSync(join(tmpdir(), 'kez-home-'));
  chmodSync(home, 0o700);
  mkdirSync(join(home, 'keys'), { mode: 0o700 });
  mkdirSync(join(home, 'chains'), { mode: 0o700 });
  writeFileSync(
    join(home, 'config.json'),
    JSON.stringify({ default_key: 'default', identity: id.identity }),
  );
  writeFileSync(
    join(home, 'keys', 'default.json'),
    JSON.stringify({
      name: 'default',
      suite: signer.suite.name,
      key: signer.keyId,
      secret: toHex(secret),
      created_at: 1,
    }),
    { mode: 0o600 },
  );
  writeFileSync(
    join(home, 'chains', `${id.identity.slice('kez:id:'.length)}.jsonl`),
    exportBundle(id.events),
  );
  return home;
}

function kez(home: string, args: string[]) {
  const child = spawn(process.execPath, [kezBin, ...args], {
    env: {
      ...process.env,
      KEZ_HOME: home,
      NATS_URL: inject('natsUrl'),
      KEZ_CHAT_AUDIENCE: AUDIENCE,
      NO_COLOR: '1',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '', code: null as number | null };
  child.stdout.on('data', (d) => {
    out.stdout += d;
  });
  child.stderr.on('data', (d) => {
    out.stderr += d;
  });
  const done = new Promise<typeof out>((r) =>
    child.on('close', (code) => {
      out.code = code;
      r(out);
    }),
  );
  return { child, out, done };
}

async function identityWithKey(): Promise<{ id: TestIdentity; home: string }> {
  const secret = ed25519.generateSecret();
  const id = await TestIdentity.create(inject('sigUrl'));
  const device = signerFromSecret('ed25519', secret);
  await id.append(
    addDevice(
      id.state,
      { deviceSigner: device, created_at: Math.floor(Date.now() / 1000) - 5 },
      id.primary,
    ),
  );
  return { id, home: storeFor(id, device, secret) };
}

describe('kez chat', () => {
  it('shows history and live messages with the verified sender, and sends stdin lines', async () => {
    const alice = await identityWithKey();
    const bob = await identityWithKey();
    const carol = await TestIdentity.create(inject('sigUrl'));
    const carolNc = await login(carol.primary, carol.identity);
    const carolRoom = new ChatRoom(carolNc, 'cli-room', carol.identity);
    carolRoom.send('earlier, from carol');
    // The stream stores a publish asynchronously (no acks, see history.ts): bob's history can
    // only show it once it is stored, so wait for that instead of a fixed sleep.
    expect(
      await until(
        async () => (await carolRoom.history(50)).some((m) => m.text === 'earlier, from carol'),
        10_000,
      ),
    ).toBe(true);

    const b = kez(bob.home, ['chat', 'cli-room']);
    expect(
      await until(() => b.out.stdout.includes('earlier, from carol'), 10_000),
      JSON.stringify(b.out),
    ).toBe(true);
    expect(b.out.stdout).toContain(`${carol.identity}: earlier, from carol`);

    const a = kez(alice.home, ['chat', 'cli-room', '--history', '0']);
    a.child.stdin.end('hello from the alice CLI\n\nsecond line\n');
    const aDone = await a.done;
    expect(aDone.code).toBe(0);

    expect(await until(() => b.out.stdout.includes('second line'), 10_000)).toBe(true);
    expect(b.out.stdout).toContain(`${alice.id.identity}: hello from the alice CLI`);
    expect(b.out.stdout).toContain(`${alice.id.identity}: second line`);
    b.child.stdin.end();
    expect((await b.done).code).toBe(0);
    await carolNc.close();
  });

  it('exits 1 with a hint when the deployment refuses the login (key not in the chain)', async () => {
    const id = await TestIdentity.create(inject('sigUrl'));
    const stranger = ed25519.generateSecret();
    const home = storeFor(id, signerFromSecret('ed25519', stranger), stranger);
    const r = kez(home, ['chat', 'cli-room']);
    r.child.stdin.end();
    const done = await r.done;
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(/refused the login/);
    expect(done.stderr).not.toContain(toHex(stranger));
  });

  it('refuses a bad room name as a usage error', async () => {
    const { id, home } = await identityWithKey();
    expect(id.identity).toMatch(/^kez:id:/);
    const r = kez(home, ['chat', 'Bad.Room']);
    r.child.stdin.end();
    expect((await r.done).code).toBe(2);
  });
});
