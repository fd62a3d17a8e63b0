import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatShortProof, parseSubject, verdictOf } from '@kez/core';
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
  it('verifies a compact claim in the note (served as HTML), owner = actor id via WebFinger', async () => {
    const c = id.add('ap:@alice@social.example');
    m.addAccount('alice', {
      fields: [{ name: 'Web', value: 'https://x.example' }],
      summary: `Me & KEZ:\n\n${await TestIdentity.compact(c)}`,
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
    m.addAccount('sam', { summary: `Hi! My KEZ proof:\n${await TestIdentity.compact(c)}` });
    expect((await judge('ap:@sam@social.example'))[0]!.status).toBe('valid');
  });

  it("someone else's proof in my profile is subject_mismatch", async () => {
    const c = id.add('ap:@victim@social.example');
    m.addAccount('thief', { summary: await TestIdentity.compact(c) });
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

  it('publishes the short proof into the KEZ field keeping other fields, whole (255 characters kept)', async () => {
    m.addAccount('pub', { fields: [{ name: 'Web', value: 'https://pub.example' }] });
    m.addToken('mastodon-secret', 'pub');
    const claim = id.add('ap:@pub@social.example');
    const subject = parseSubject('ap:@pub@social.example');
    const short = formatShortProof(claim.identity, 'https://sig.example');
    await apPlugin.publish!(
      {
        subject,
        claim,
        compact: await TestIdentity.compact(claim),
        markdown: '',
        short,
        token: 'mastodon-secret',
        now: id.now,
      },
      env,
    );
    // A compact claim (~400 characters) would not survive the 255-character field; the short
    // proof does.
    expect(await judge('ap:@pub@social.example')).toEqual([
      expect.objectContaining({ status: 'valid', short: expect.anything() }),
    ]);
    const actor = (await (
      await env.fetch('https://social.example/users/pub', {
        headers: { accept: 'application/activity+json' },
      })
    ).json()) as { attachment: { name: string; value: string }[] };
    expect(actor.attachment.map((a) => a.name)).toEqual(['Web', 'KEZ']);
    expect(htmlToText(actor.attachment[1]!.value)).toBe(short);
  });

  it('a short proof in any profile field verifies; the stand-in serves it as Mastodon links it', async () => {
    const c = id.add('ap:@short@social.example');
    const home = 'https://sig.example';
    m.addAccount('short', {
      fields: [{ name: 'Identity', value: formatShortProof(c.identity, home) }],
    });
    const actor = (await (
      await env.fetch('https://social.example/users/short', {
        headers: { accept: 'application/activity+json' },
      })
    ).json()) as { attachment: { value: string }[] };
    const html = actor.attachment[0]!.value;
    expect(html).toContain('<span class="invisible">https://</span><span class="ellipsis">');
    expect(htmlToText(html)).toBe(`${home}/${c.identity}`);
    const [p] = await judge('ap:@short@social.example');
    expect(p).toMatchObject({
      status: 'valid',
      short: { identity: c.identity, homes: [home] },
      owner: { subject: 'ap:@short@social.example' },
    });
  });

  it("a profile over Mastodon's limits is refused like Mastodon does (4 fields, 500-character note)", () => {
    const f = { name: 'a', value: 'b' };
    expect(() => m.addAccount('many', { fields: [f, f, f, f, f] })).toThrow(/maximum is 4/);
    expect(() => m.addAccount('long', { summary: 'x'.repeat(501) })).toThrow(/maximum is 500/);
  });

  it('strips tags and decodes entities', () => {
    expect(htmlToText('<p>a&amp;b<br/>c&#x41;&lt;</p>')).toBe('a&b\ncA<\n');
  });

  it("joins Mastodon's link spans into the full URL, no spaces inserted", () => {
    const hex = 'ab'.repeat(32);
    const html = `<p>see <a href="https://sig.example/kez:id:${hex}" target="_blank" rel="nofollow noopener noreferrer me" translate="no"><span class="invisible">https://</span><span class="ellipsis">sig.example/kez:id:${hex.slice(0, 11)}</span><span class="invisible">${hex.slice(11)}</span></a></p><p>x&#39;y</p>`;
    expect(htmlToText(html)).toBe(`see https://sig.example/kez:id:${hex}\nx'y\n`);
  });
});
