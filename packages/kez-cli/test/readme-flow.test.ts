// The README's "Using it" flow, run literally: the `kez` commands between <!-- readme-flow -->
// and <!-- /readme-flow --> in order, in a fresh store, with only a settings file pointing the
// README's placeholder hosts at local peers. Each `claim … --format short` line's output is put
// where its comment says (GitHub bio, Mastodon field, TXT at _kez.<domain>), as a reader would.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startGithubStandin,
  startMastodonStandin,
  startNsd,
  type GithubStandin,
  type MastodonStandin,
  type RunningNsd,
} from '@kez/test-kit';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { ok, runJson, tempHome } from './cli.js';

const README = new URL('../../../README.md', import.meta.url);

/** The commands of the marked block: `kez …` lines, trailing comments dropped. */
function flowCommands(): string[][] {
  const text = readFileSync(README, 'utf8');
  const block = /<!-- readme-flow -->([\s\S]*?)<!-- \/readme-flow -->/.exec(text)?.[1];
  if (block === undefined) throw new Error('README.md has no readme-flow block');
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith('kez '))
    .map((l) => l.split(/\s+/).slice(1));
}

let gh: GithubStandin;
let masto: MastodonStandin;
let sig: RunningSigServer;
let relay: RunningRelay;
let zone: RunningNsd | undefined;
const dir = tempHome();

function writeSettings(dnsServers: string[]) {
  const relayHttp = relay.url.replace(/^ws/, 'http');
  writeFileSync(
    join(dir.home, 'channels.json'),
    JSON.stringify({
      hostMap: {
        ...gh.hostMap,
        ...masto.hostMap,
        'relay.damus.io': relayHttp,
        'nos.lol': relayHttp,
        'sig.example.com': sig.url,
      },
      allowLoopback: true,
      allowHttp: true,
      ...(dnsServers.length > 0 ? { dnsServers } : {}),
    }),
  );
}

beforeAll(async () => {
  [gh, masto, sig, relay] = await Promise.all([
    startGithubStandin(),
    startMastodonStandin({ host: 'mastodon.social' }),
    startSigServer(),
    startRelay(),
  ]);
  mkdirSync(dir.home, { recursive: true });
  writeSettings([]);
});
afterAll(async () => {
  await Promise.all([gh.close(), masto.close(), sig.close(), relay.stop(), zone?.stop()]);
  dir.cleanup();
});

/** Puts a short proof at the account's place, as the README's comment for it says. */
async function place(subject: string, proof: string): Promise<void> {
  const [channel, id] = [
    subject.slice(0, subject.indexOf(':')),
    subject.slice(subject.indexOf(':') + 1),
  ];
  if (channel === 'github') return void gh.addUser(id, undefined, proof);
  if (channel === 'ap') {
    const user = id.replace(/^@/, '').split('@')[0]!;
    return void masto.addAccount(user, { fields: [{ name: 'KEZ', value: proof }] });
  }
  if (channel === 'dns') {
    zone = await startNsd([{ name: `_kez.${id}`, strings: [proof] }]);
    return writeSettings([zone.server]);
  }
  throw new Error(`the flow claims ${subject}: this test does not know its place`);
}

describe('README "Using it"', () => {
  it('followed literally in a fresh store, ends with every account valid', async () => {
    const commands = flowCommands();
    const claimed: string[] = [];
    for (const args of commands) {
      const r = await ok(args, { home: dir.home, realClock: true });
      if (args[0] === 'claim' && args.includes('short')) {
        claimed.push(args[1]!);
        await place(args[1]!, r.stdout.trim());
      }
    }
    expect(commands.map((c) => c.slice(0, 2).join(' '))).toEqual(
      expect.arrayContaining(['sigchain init', 'sigchain publish', 'sigchain rotate', 'verify id']),
    );
    expect(claimed.length).toBeGreaterThanOrEqual(3);
    for (const subject of claimed) {
      const v = await runJson(['verify', 'id', subject], { home: dir.home, realClock: true });
      expect(v.doc.status, subject).toBe('valid');
      expect(
        Object.fromEntries(
          v.doc.edges.map((e: { subject: string; status: string }) => [e.subject, e.status]),
        ),
      ).toEqual(Object.fromEntries(claimed.map((s) => [s, 'valid'])));
    }
  });
});
