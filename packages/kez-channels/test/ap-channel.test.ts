import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSubject, verdictOf } from '@kez/core';
import { apPlugin, evaluateCandidate, htmlToText, type OwnedChannelEnv } from '../src/index.js';
import { startMastodonStandin, type MastodonStandin } from '@kez/test-kit';
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';
import { loopbackEnv } from './helpers.js';

let m: MastodonStandin;
let env: OwnedChannelEnv;
const id = TestIdentity.create({ seed: 21 });
const now = () => id.now;

async function judge(input: string) {
  const subject = parseSubject(input);
  try {
    return (await apPlugin.locate(subject, env)).map((c) => evaluateCandidate(subject, c, now()));
  } catch (e) {
    return [verdictOf(e)];
  }
}

beforeAll(async () => {
  m = await startMastodonStandin({ host: 'social.example' });
  env = loopbackEnv({ hostMap: m.hostMap, timeouts: { totalMs: 3_000 } });
});
afterAll(async () => {
  await env.close();
  await m.close();
});

describe('ap channel (Mastodon-shaped stand-in)', () => {
  it('verifies a proof in the KEZ profile field (HTML value), owner = actor id via WebFinger', async () => {
    const c = id.add('ap:@alice@social.example');
    m.addAccount('alice', {
      fields: [
        { name: 'Web', value: '<a href="https://x.example">x</a>' },
        { name: 'KEZ', value: `<span class="h-card">${await TestIdentity.compact(c)}</span>` },
      ],
    });
    const [p] = await judge('mastodon:Alice@social.example');
    expect(p).toMatchObject({
      status: 'valid',
      owner: {
        subject: 'ap:@alice@social.example',
        stableId: 'https://social.example/users/alice',
      },
    });
  });

  it('falls back to the summary', async () => {
    const c = id.add('ap:@sam@social.example');
    m.addAccount('sam', {
      summary: `<p>Hi! My KEZ proof:<br>${await TestIdentity.compact(c)}</p>`,
    });
    expect((await judge('ap:@sam@social.example'))[0]!.status).toBe('valid');
  });

  it("someone else's proof in my profile is subject_mismatch", async () => {
    const c = id.add('ap:@victim@social.example');
    m.addAccount('thief', { fields: [{ name: 'KEZ', value: await TestIdentity.compact(c) }] });
    expect((await judge('ap:@thief@social.example'))[0]).toMatchObject({
      status: 'invalid',
      code: 'subject_mismatch',
    });
  });

  it('a proof only in a reply is never found', async () => {
    const c = id.add('ap:@quiet@social.example');
    m.addAccount('quiet', { summary: '<p>nothing</p>' });
    m.addReply('quiet', `<p>${await TestIdentity.compact(c)}</p>`);
    expect(await judge('ap:@quiet@social.example')).toEqual([]);
    expect(m.requests.some((r) => r.includes('/statuses/'))).toBe(false);
  });

  it('WebFinger pointing to an actor on another host is subject_mismatch', async () => {
    const c = id.add('ap:@moved@social.example');
    m.addAccount('moved', { fields: [{ name: 'KEZ', value: await TestIdentity.compact(c) }] });
    m.overrideActorLink('moved', 'https://evil.example/users/moved');
    expect((await judge('ap:@moved@social.example'))[0]).toMatchObject({
      status: 'invalid',
      code: 'subject_mismatch',
    });
  });

  it('an actor redirecting to the metadata address is refused (redirect)', async () => {
    m.addAccount('meta');
    m.setHostileActor('meta', 'redirect-metadata');
    expect((await judge('ap:@meta@social.example'))[0]).toMatchObject({
      status: 'invalid',
      code: 'redirect',
    });
  });

  it('a 50 MB actor document is too_large, and the download stops early', async () => {
    m.addAccount('huge');
    m.setHostileActor('huge', 'huge');
    expect((await judge('ap:@huge@social.example'))[0]).toMatchObject({
      status: 'invalid',
      code: 'too_large',
    });
    expect(m.hugeBytesSent).toBeLessThan(20 * 1024 * 1024);
  });

  it('an actor that never answers is unreachable (timeout)', async () => {
    m.addAccount('slow');
    m.setHostileActor('slow', 'hang');
    expect((await judge('ap:@slow@social.example'))[0]).toMatchObject({
      status: 'unreachable',
      code: 'timeout',
    });
  });

  it('an unknown account is not_found', async () => {
    expect((await judge('ap:@nobody@social.example'))[0]).toMatchObject({
      status: 'not_found',
      code: 'no_account',
    });
  });

  it('publishes into the KEZ field keeping other fields', async () => {
    m.addAccount('pub', { fields: [{ name: 'Web', value: 'https://pub.example' }] });
    m.addToken('mastodon-secret', 'pub');
    const claim = id.add('ap:@pub@social.example');
    const subject = parseSubject('ap:@pub@social.example');
    await apPlugin.publish!(
      {
        subject,
        claim,
        compact: await TestIdentity.compact(claim),
        markdown: '',
        token: 'mastodon-secret',
      },
      env,
    );
    expect((await judge('ap:@pub@social.example'))[0]!.status).toBe('valid');
  });

  it('strips tags and decodes entities', () => {
    expect(htmlToText('<p>a&amp;b<br/>c&#x41;&lt;</p>')).toBe('a&b\ncA<\n');
  });
});
