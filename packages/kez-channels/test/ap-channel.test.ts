import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KezError, formatShortProof, parseSubject, verdictOf } from '@kez/core';
import { apPlugin, evaluateCandidate, htmlToText, type OwnedChannelEnv } from '../src/index.js';
import { lookupProfile } from '../src/channels/mastodon-api.js';
import { sendJson, startHttp, startMastodonStandin, type MastodonStandin } from '@kez/test-kit';
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

async function publishTo(e: OwnedChannelEnv, subjectText: string, token: string, home: string) {
  const claim = id.add(subjectText);
  const short = formatShortProof(claim.identity, home);
  await apPlugin.publish!(
    {
      subject: parseSubject(subjectText),
      claim,
      compact: await TestIdentity.compact(claim),
      markdown: '',
      short,
      token,
      now: id.now,
    },
    e,
  );
  return short;
}

async function storedFieldsOn(e: OwnedChannelEnv, host: string, user: string) {
  const actor = (await (
    await e.fetch(`https://${host}/users/${user}`, {
      headers: { accept: 'application/activity+json' },
    })
  ).json()) as { attachment: { name: string; value: string }[] };
  return actor.attachment.map((a) => [a.name, htmlToText(a.value)]);
}

describe('ap publish against the documented write path (hash form; arrays erase fields)', () => {
  it('keeps every existing field and appends KEZ', async () => {
    m.addAccount('keep', {
      fields: [
        { name: 'Web', value: 'https://keep.example' },
        { name: 'Pronouns', value: 'they/them' },
      ],
    });
    m.addToken('keep-token', 'keep');
    const short = await publishTo(
      env,
      'ap:@keep@social.example',
      'keep-token',
      'https://h.example',
    );
    expect(await storedFieldsOn(env, 'social.example', 'keep')).toEqual([
      ['Web', 'https://keep.example'],
      ['Pronouns', 'they/them'],
      ['KEZ', short],
    ]);
  });

  it('updates an existing KEZ field in place', async () => {
    m.addAccount('again', {
      fields: [
        { name: 'Web', value: 'https://again.example' },
        { name: 'KEZ', value: 'old proof' },
        { name: 'Pronouns', value: 'she/her' },
      ],
    });
    m.addToken('again-token', 'again');
    const short = await publishTo(
      env,
      'ap:@again@social.example',
      'again-token',
      'https://h.example',
    );
    expect(await storedFieldsOn(env, 'social.example', 'again')).toEqual([
      ['Web', 'https://again.example'],
      ['KEZ', short],
      ['Pronouns', 'she/her'],
    ]);
  });

  it('with all 4 fields in use and none named KEZ: too_large naming the limit and what to do; nothing written', async () => {
    const four = ['A', 'B', 'C', 'D'].map((name) => ({ name, value: `v${name}` }));
    m.addAccount('full', { fields: four });
    m.addToken('full-token', 'full');
    const err = await publishTo(env, 'ap:@full@social.example', 'full-token', 'https://h.example')
      .then(() => undefined)
      .catch((e: unknown) => e as KezError);
    expect(err).toBeInstanceOf(KezError);
    expect(err).toMatchObject({ code: 'too_large', evidence: { limit: 4 } });
    expect(err!.message).toMatch(/4 of its 4 profile fields/);
    expect(String(err!.evidence.hint)).toMatch(/remove a profile field, or rename one to KEZ/);
    expect(await storedFieldsOn(env, 'social.example', 'full')).toEqual(
      four.map((f) => [f.name, f.value]),
    );
  });
});

describe('ap on a secure-mode instance (AUTHORIZED_FETCH)', () => {
  let sm: MastodonStandin;
  let senv: OwnedChannelEnv;
  beforeAll(async () => {
    sm = await startMastodonStandin({ host: 'secure.example', secure: true });
    senv = loopbackEnv({ hostMap: sm.hostMap, timeouts: { totalMs: 3_000 } });
  });
  afterAll(async () => {
    await senv.close();
    await sm.close();
  });

  it('the unsigned actor has no fields; the proof is read from the REST lookup and verifies', async () => {
    const c = id.add('ap:@sec@secure.example');
    sm.addAccount('sec', {
      fields: [{ name: 'KEZ', value: formatShortProof(c.identity, 'https://sig.example') }],
    });
    const actor = (await (
      await senv.fetch('https://secure.example/users/sec', {
        headers: { accept: 'application/activity+json' },
      })
    ).json()) as Record<string, unknown>;
    expect(Object.keys(actor).sort()).toEqual(
      ['@context', 'endpoints', 'id', 'inbox', 'preferredUsername', 'publicKey', 'type'].sort(),
    );
    const subject = parseSubject('ap:@sec@secure.example');
    const verdicts = (await apPlugin.locate(subject, senv)).map((x) =>
      evaluateCandidate(subject, x, now()),
    );
    expect(verdicts).toEqual([
      expect.objectContaining({
        status: 'valid',
        short: expect.objectContaining({ identity: c.identity }),
        owner: { subject: 'ap:@sec@secure.example', stableId: 'https://secure.example/users/sec' },
      }),
    ]);
    expect(sm.requests).toContain('GET /api/v1/accounts/lookup?acct=sec');
  });

  it('a lookup answering with another account (uri, acct or host) is subject_mismatch', async () => {
    const actorUrl = 'https://look.example/users/al';
    const answers: Record<string, unknown>[] = [
      {
        username: 'al',
        acct: 'al',
        url: 'https://look.example/@al',
        uri: 'https://look.example/users/bo',
      },
      {
        username: 'al',
        acct: 'al@elsewhere.example',
        url: 'https://look.example/@al',
        uri: actorUrl,
      },
      { username: 'al', acct: 'al', url: 'https://elsewhere.example/@al', uri: actorUrl },
      { username: 'bo', acct: 'bo', url: 'https://look.example/@bo', uri: actorUrl },
    ];
    let answer: Record<string, unknown> = {};
    const http = await startHttp((_req, res) =>
      sendJson(res, 200, { ...answer, fields: [], note: '' }),
    );
    const lenv = loopbackEnv({ hostMap: { 'look.example': http.url } });
    try {
      for (const a of answers) {
        answer = a;
        await expect(lookupProfile('al', actorUrl, lenv)).rejects.toMatchObject({
          code: 'subject_mismatch',
        });
      }
      answer = { username: 'AL', acct: 'al', url: 'https://look.example/@al', uri: actorUrl };
      await expect(lookupProfile('al', actorUrl, lenv)).resolves.toEqual([{ html: '' }]);
    } finally {
      await lenv.close();
      await http.close();
    }
  });
});

describe('ap on a split-domain instance (LOCAL_DOMAIN ≠ WEB_DOMAIN)', () => {
  let sd: MastodonStandin;
  let denv: OwnedChannelEnv;
  beforeAll(async () => {
    sd = await startMastodonStandin({ host: 'split.example', webDomain: 'social.split.example' });
    denv = loopbackEnv({ hostMap: sd.hostMap, timeouts: { totalMs: 3_000 } });
  });
  afterAll(async () => {
    await denv.close();
    await sd.close();
  });

  it('follows the WebFinger redirect to WEB_DOMAIN; the actor there is the owner', async () => {
    const c = id.add('ap:@sp@split.example');
    // A compact claim is too long for a field (cut at 255): the short proof, as kez publishes.
    sd.addAccount('sp', {
      fields: [{ name: 'KEZ', value: formatShortProof(c.identity, 'https://sig.example') }],
    });
    const subject = parseSubject('ap:@sp@split.example');
    const [v] = (await apPlugin.locate(subject, denv)).map((x) =>
      evaluateCandidate(subject, x, now()),
    );
    expect(v).toMatchObject({
      status: 'valid',
      short: { identity: c.identity },
      owner: { subject: 'ap:@sp@split.example', stableId: 'https://social.split.example/users/sp' },
    });
  });

  it('kez publish writes through the API on WEB_DOMAIN, and the proof verifies', async () => {
    sd.addAccount('pubsplit', { fields: [{ name: 'Web', value: 'https://w.example' }] });
    sd.addToken('split-token', 'pubsplit');
    const short = await publishTo(
      denv,
      'ap:@pubsplit@split.example',
      'split-token',
      'https://h.example',
    );
    const subject = parseSubject('ap:@pubsplit@split.example');
    const [v] = (await apPlugin.locate(subject, denv)).map((x) =>
      evaluateCandidate(subject, x, now()),
    );
    expect(v).toMatchObject({
      status: 'valid',
      location: 'https://social.split.example/users/pubsplit',
      short: { homes: ['https://h.example'] },
    });
    expect(await storedFieldsOn(denv, 'social.split.example', 'pubsplit')).toEqual([
      ['Web', 'https://w.example'],
      ['KEZ', short],
    ]);
  });

  it('a token of another account is refused before anything is written', async () => {
    sd.addAccount('victim', { fields: [{ name: 'Web', value: 'https://v.example' }] });
    sd.addToken('not-victims-token', 'pubsplit');
    await expect(
      publishTo(denv, 'ap:@victim@split.example', 'not-victims-token', 'https://h.example'),
    ).rejects.toMatchObject({ code: 'not_authorized' });
  });

  it('the redirected JRD cannot vouch for an actor on a third host', async () => {
    const c = id.add('ap:@sp2@split.example');
    sd.addAccount('sp2', {
      fields: [{ name: 'KEZ', value: formatShortProof(c.identity, 'https://sig.example') }],
    });
    sd.overrideActorLink('sp2', 'https://evil.example/users/sp2');
    const err = await apPlugin
      .locate(parseSubject('ap:@sp2@split.example'), denv)
      .catch((e: unknown) => e as KezError);
    expect(err).toMatchObject({ code: 'subject_mismatch' });
  });

  it('the web domain is not the handle: ap:@sp@social.split.example is subject_mismatch', async () => {
    const err = await apPlugin
      .locate(parseSubject('ap:@sp@social.split.example'), denv)
      .catch((e: unknown) => e as KezError);
    expect(err).toMatchObject({ code: 'subject_mismatch' });
  });
});
