// `kez publish` + `kez verify id` round trips for bluesky and nostr, as the real CLI, against a
// real PDS (@atproto/dev-env) and real relays with strfry's limits: one open, one that takes
// writes only from its members (the CLI says which relay accepted and why the other refused).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKez } from '@kez/test-kit/kez-bin';
import { startPds, type PdsAccount, type RunningPds } from '@kez/test-kit/pds';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';

let pds: RunningPds;
let relay: RunningRelay;
let members: RunningRelay;
let nora: PdsAccount;
let home: string;
let npub: string;

const kez = (args: string[], env: Record<string, string> = {}) => runKez(home, args, env);
async function kezJson(args: string[], env: Record<string, string> = {}) {
  const r = await kez(['--json', ...args], env);
  return { code: r.code, doc: JSON.parse(r.out || r.err) as Record<string, unknown>, err: r.err };
}

beforeAll(async () => {
  [pds, relay, members] = await Promise.all([
    startPds(),
    startRelay(),
    startRelay({ writes: { knownKeys: ['ab'.repeat(32)] } }),
  ]);
  nora = await pds.createAccount('nora');
  const relayHttp = relay.url.replace(/^ws/, 'http');
  home = await mkdtemp(join(tmpdir(), 'kez-cli-bn-'));
  await writeFile(
    join(home, 'channels.json'),
    JSON.stringify({
      // The default homes (relay.damus.io, nos.lol) are the open relay here.
      hostMap: {
        'relay.damus.io': relayHttp,
        'nos.lol': relayHttp,
        'nora.test': new URL(pds.pdsUrl).origin,
      },
      plcDirectory: pds.plcUrl,
      nostrRelays: [relay.url, members.url],
      allowLoopback: true,
      allowHttp: true,
    }),
  );
  const key = await kezJson(['key', 'gen', '--alg', 'nostr', '--name', 'main']);
  expect(key.code, key.err).toBe(0);
  npub = String(key.doc.key).slice('nostr:'.length);
  for (const args of [
    ['sigchain', 'init'],
    ['sigchain', 'add', `nostr:${npub}`],
    ['sigchain', 'add', 'bluesky:nora.test'],
    ['sigchain', 'publish'],
  ]) {
    const r = await kez(args);
    expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
  }
}, 120_000);
afterAll(async () => {
  await Promise.all([relay?.stop(), members?.stop()]);
  await pds?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('kez publish + verify id: bluesky and nostr', () => {
  it('publish nostr: names the relay that accepted and the one that refused, with its reason', async () => {
    const r = await kezJson(['publish', `nostr:${npub}`]);
    expect(r.code, r.err).toBe(0);
    expect(r.doc.location).toMatch(new RegExp(`^${relay.url}#[0-9a-f]{64}$`));
    expect(r.doc.relays).toEqual([
      { relay: relay.url, accepted: true, reason: '' },
      {
        relay: members.url,
        accepted: false,
        code: 'not_authorized',
        reason: 'restricted: this relay accepts events only from its members',
      },
    ]);
    const human = await kez(['publish', `nostr:${npub}`]);
    expect(human.code).toBe(0);
    expect(human.out).toContain(`accepted ${relay.url}`);
    expect(human.out).toContain(`refused  ${members.url}: restricted:`);
  });

  it('publish bluesky: writes the record and the short proof in the profile; verify id is valid', async () => {
    const r = await kezJson(['publish', 'bluesky:nora.test'], {
      BLUESKY_APP_PASSWORD: nora.password,
    });
    expect(r.code, r.err).toBe(0);
    expect(r.doc.location).toMatch(new RegExp(`^at://${nora.did}/dev\\.kez\\.proof/[0-9a-f]{64}$`));
    const profile = await fetch(
      `${pds.pdsUrl}/xrpc/com.atproto.repo.getRecord?repo=${nora.did}&collection=app.bsky.actor.profile&rkey=self`,
    );
    const description = ((await profile.json()) as { value: { description: string } }).value
      .description;
    expect(description).toMatch(/^kez:id:[0-9a-f]{64}$/);

    const v = await kezJson(['verify', 'id', 'bluesky:nora.test']);
    expect(v.code, v.err).toBe(0);
    expect(v.doc.status).toBe('valid');
    const edges = v.doc.edges as Array<{ subject: string; status: string }>;
    for (const s of ['bluesky:nora.test', `nostr:${npub}`])
      expect(edges.find((e) => e.subject === s)?.status, s).toBe('valid');
  });
});
