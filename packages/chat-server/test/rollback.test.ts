// Rollback memory (SPEC §6.7) outlives the chat-server process: a member's device is revoked,
// chat-server restarts, the sig-server is restored from a backup taken before the revocation —
// the revoked device must still be refused. Real sig-server (SQLite) on a fixed port, its data
// directory copied as the "backup".
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLoginToken } from '@kez/chat-client';
import {
  AUDIENCE,
  connectWithToken,
  runChat,
  startSigServer,
  until,
  type RunningChat,
} from './support/chat-harness.js';
import { PublishedChain as TestIdentity } from '@kez/test-kit/published-chain';
import { freePort } from '@kez/test-kit';

const dirs: string[] = [];
const running: Array<{ close(): Promise<void> } | RunningChat> = [];
afterAll(async () => {
  for (const r of running.reverse()) await ('close' in r ? r.close() : r.stop()).catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Restarts on one port: this process's pooled keep-alive socket to the old one is dead; one
 *  throwaway request lets fetch notice before the test's own requests. */
async function reconnect(url: string): Promise<void> {
  await fetch(`${url}/healthz`).then(
    (r) => r.arrayBuffer(),
    () => undefined,
  );
}

describe('rollback memory across a chat-server restart', () => {
  it('refuses a revoked device when the sig-server comes back from an older backup', async () => {
    const port = (await freePort()) as number;
    const live = mkdtempSync(join(tmpdir(), 'kez-chat-rb-live-'));
    const backup = mkdtempSync(join(tmpdir(), 'kez-chat-rb-backup-'));
    dirs.push(live, backup);
    let sig = await startSigServer({ port, dataDir: live, rateLimitMax: 0 });
    const chat1 = await runChat({ sigServerUrl: sig.url });
    running.push(chat1);
    const bob = await TestIdentity.create(sig.url);
    const laptop = await bob.addDevice();
    await (await connectWithToken(buildLoginToken(laptop, bob.identity, AUDIENCE))).close();

    await sig.close(); // the backup: before the revocation
    cpSync(live, backup, { recursive: true });
    sig = await startSigServer({ port, dataDir: live, rateLimitMax: 0 });
    await reconnect(sig.url);
    await bob.revokeDevice(laptop);
    await (await connectWithToken(buildLoginToken(bob.primary, bob.identity, AUDIENCE))).close();

    await chat1.stop(); // chat-server restarts: no process memory survives
    const chat2 = await runChat({ sigServerUrl: sig.url });
    running.push(chat2);
    await sig.close(); // and the sig-server is restored from the older backup
    sig = await startSigServer({ port, dataDir: backup, rateLimitMax: 0 });
    running.push(sig);

    await expect(connectWithToken(buildLoginToken(laptop, bob.identity, AUDIENCE))).rejects.toThrow(
      /authorization violation/i,
    );
    expect(await until(() => chat2.logs.some((l) => l.identity === bob.identity))).toBe(true);
    expect(chat2.logs.find((l) => l.identity === bob.identity)).toMatchObject({
      code: 'rollback',
      msg: 'login refused: sig-server served an older chain (rollback)',
    });
    await chat2.stop();
    running.splice(running.indexOf(chat2), 1);
  });
});
