// kez publish on the profile channels with the real CLI: GitLab (status message), Gitea
// (description) and Discourse (bio) are written with the user's own token on their stand-ins;
// Reddit (no write API for the profile text) and a missing token print what to paste where.
// Then kez verify id reaches valid for each. Real sig-server and relay (the default homes).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileServices, startProfileStandin, type ProfileStandin } from '@kez/test-kit';
import { startRelay, type RunningRelay } from '@kez/test-kit/nostr-relay';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import { ok, runJson, tempHome } from './cli.js';

const SIG_HOME = 'http://sig.kez.test';
let sig: RunningSigServer;
let relay: RunningRelay;
let gitlab: ProfileStandin;
let gitea: ProfileStandin;
let discourse: ProfileStandin;
let reddit: ProfileStandin;
const dir = tempHome();
const home = dir.home;
const kez = (args: string[], env: Record<string, string> = {}) =>
  ok(args, { home, env, realClock: true });
const kezJson = (args: string[], env: Record<string, string> = {}) =>
  runJson(args, { home, env, realClock: true });
let short = '';

beforeAll(async () => {
  [sig, relay, gitlab, gitea, discourse, reddit] = await Promise.all([
    startSigServer(),
    startRelay(),
    startProfileStandin(profileServices.gitlab),
    startProfileStandin(profileServices.gitea),
    startProfileStandin(profileServices.discourse),
    startProfileStandin(profileServices.reddit),
  ]);
  mkdirSync(home, { recursive: true });
  const relayHttp = relay.url.replace(/^ws/, 'http');
  writeFileSync(
    join(home, 'channels.json'),
    JSON.stringify({
      hostMap: {
        ...gitlab.hostMap,
        ...gitea.hostMap,
        ...discourse.hostMap,
        ...reddit.hostMap,
        'relay.damus.io': relayHttp,
        'nos.lol': relayHttp,
        'sig.kez.test': sig.url,
      },
      allowLoopback: true,
      allowHttp: true,
    }),
  );
  await kez(['key', 'gen']);
  const init = await kezJson(['sigchain', 'init', '--sig-server', SIG_HOME]);
  short = `${SIG_HOME}/${init.doc.identity}`;
  gitlab.addAccount('ada', { bio: 'Compilers.' });
  gitlab.addToken('gl-token', 'ada');
  gitea.addAccount('ada', { description: 'Hello there.' });
  gitea.addToken('gt-token', 'ada');
  discourse.addAccount('ada', { bio: 'I like forums.' });
  discourse.addToken('dc-key', 'ada');
  reddit.addAccount('ada_r');
}, 60_000);
afterAll(async () => {
  await Promise.all([
    sig?.close(),
    relay?.stop(),
    gitlab?.close(),
    gitea?.close(),
    discourse?.close(),
    reddit?.close(),
  ]);
  dir.cleanup();
});

describe('kez publish on profile channels', () => {
  it('writes the short proof with the user token where the API allows, keeping the text', async () => {
    const cases = [
      ['gitlab:ada@gitlab.com', { GITLAB_TOKEN: 'gl-token' }],
      ['gitea:ada@codeberg.org', { GITEA_TOKEN: 'gt-token' }],
      ['discourse:ada@meta.discourse.org', { DISCOURSE_API_KEY: 'dc-key' }],
    ] as const;
    for (const [subject, env] of cases) {
      await kez(['claim', subject, '--format', 'short']);
      const r = await kezJson(['publish', subject], env);
      expect(r.code, JSON.stringify(r.doc)).toBe(0);
      expect(r.doc.location).toContain('ada');
    }
    expect(gitlab.requests).toContain('PUT /api/v4/user/status');
    expect((await kezJson(['sigchain', 'publish'])).code).toBe(0);
    for (const [subject] of cases)
      expect((await kezJson(['verify', 'id', subject])).doc.status, subject).toBe('valid');
    // The rest of the user's text is kept, the proof on its own line.
    const gt = (await (await fetch(`${gitea.url}/api/v1/users/ada`)).json()) as {
      description: string;
    };
    expect(gt.description).toBe(`Hello there.\n${short}`);
  });

  it('prints the page, the field and the exact text where kez cannot write', async () => {
    await kez(['claim', 'reddit:ada_r', '--format', 'short']);
    const r = await kezJson(['publish', 'reddit:ada_r']);
    expect(r.code).toBe(0);
    expect(r.doc.paste).toEqual({
      url: 'https://www.reddit.com/settings/profile',
      field: 'About (optional)',
      text: short,
      limit: 200,
    });
    const human = await kez(['publish', 'reddit:ada_r']);
    expect(human.stdout).toContain(`  ${short}\n`);
    // The user pastes it; verify id then finds it.
    reddit.addAccount('ada_r', { about: r.doc.paste.text });
    expect((await kezJson(['sigchain', 'publish'])).code).toBe(0);
    expect((await kezJson(['verify', 'id', 'reddit:ada_r'])).doc.status).toBe('valid');
  });

  it('without the token it says what to paste and which variable lets kez write it', async () => {
    const r = await kezJson(['publish', 'gitlab:ada@gitlab.com']);
    expect(r.doc).toMatchObject({
      token_env: 'GITLAB_TOKEN',
      paste: { url: 'https://gitlab.com/-/user_settings/profile', field: 'Bio', text: short },
    });
  });

  it('a token the service refuses is an error naming the variable, never printing the token', async () => {
    const r = await kezJson(['publish', 'gitea:ada@codeberg.org'], { GITEA_TOKEN: 'wrong-secret' });
    expect(r.code).not.toBe(0);
    expect(JSON.stringify(r.doc)).not.toContain('wrong-secret');
  });
});
