// Publishing to Bluesky against a real PDS (@atproto/dev-env): the dev.kez.proof record, which
// validates against the lexicon the repo ships (@atproto/lexicon), and the short proof in the
// profile description, where people see it, with every other profile field kept.
import { readFileSync } from 'node:fs';
import { Lexicons, type LexiconDoc } from '@atproto/lexicon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KezError, formatShortProof, parseSubject } from '@kez/core';
import { TestChain } from '@kez/test-kit/chain-builder';
import { startPds, type PdsAccount, type RunningPds } from '@kez/test-kit/pds';
import { blueskyPlugin, PROOF_COLLECTION } from '../src/channels/bluesky.js';
import type { OwnedChannelEnv } from '../src/env.js';
import { loopbackEnv } from './helpers.js';

const LEXICON = JSON.parse(
  readFileSync(new URL('../lexicons/dev/kez/proof.json', import.meta.url), 'utf8'),
) as LexiconDoc;
const NOW = Math.floor(Date.now() / 1000);

let pds: RunningPds;
let env: OwnedChannelEnv;
const accounts = {} as Record<'olga' | 'pia' | 'quinn', PdsAccount>;

async function getRecord(a: PdsAccount, collection: string, rkey: string) {
  const q = new URLSearchParams({ repo: a.did, collection, rkey });
  const res = await fetch(`${pds.pdsUrl}/xrpc/com.atproto.repo.getRecord?${q}`);
  return res.ok ? ((await res.json()) as { value: Record<string, unknown> }).value : null;
}

async function publish(name: keyof typeof accounts, short = true) {
  const me = TestChain.create();
  const claim = me.add(`bluesky:${name}.test`);
  return {
    me,
    result: await blueskyPlugin.publish!(
      {
        subject: parseSubject(`bluesky:${name}.test`),
        claim,
        compact: await TestChain.compact(claim),
        markdown: '',
        short: short ? formatShortProof(me.identity) : '',
        token: accounts[name].password,
        now: NOW,
      },
      env,
    ),
  };
}

beforeAll(async () => {
  pds = await startPds();
  for (const n of ['olga', 'pia', 'quinn'] as const) accounts[n] = await pds.createAccount(n);
  const origin = new URL(pds.pdsUrl).origin;
  env = loopbackEnv({
    plcDirectory: pds.plcUrl,
    dnsServers: ['127.0.0.1:1'],
    hostMap: { 'olga.test': origin, 'pia.test': origin, 'quinn.test': origin },
  });
}, 60_000);
afterAll(async () => {
  await env?.close();
  await pds?.stop();
});

describe('bluesky publish (real PDS)', () => {
  it('the record kez writes validates against the shipped dev.kez.proof lexicon; bad ones do not', async () => {
    const { result } = await publish('olga', false);
    const rkey = result.location.split('/').pop()!;
    const record = await getRecord(accounts.olga, PROOF_COLLECTION, rkey);
    const lex = new Lexicons([LEXICON]);
    expect(LEXICON.id).toBe(PROOF_COLLECTION);
    expect(lex.validate(PROOF_COLLECTION, record).success).toBe(true);
    for (const bad of [
      { ...record, proof: undefined },
      { ...record, proof: 7 },
      { ...record, proof: '' },
      { ...record, proof: 'x'.repeat(16_385) },
      { ...record, createdAt: 'yesterday' },
      { $type: PROOF_COLLECTION, proof: 'kez:z1:abc' },
    ])
      expect(lex.validate(PROOF_COLLECTION, bad).success, JSON.stringify(bad).slice(0, 80)).toBe(
        false,
      );
    // Without a short proof to place, the profile is not touched.
    expect(await getRecord(accounts.olga, 'app.bsky.actor.profile', 'self')).toBeNull();
  });

  it('the short proof goes on its own line at the end of the description; other fields are kept', async () => {
    await pds.putRecord(
      accounts.pia,
      'app.bsky.actor.profile',
      { $type: 'app.bsky.actor.profile', displayName: 'Pia', description: 'I make kites.  ' },
      'self',
    );
    const { me } = await publish('pia');
    const profile = await getRecord(accounts.pia, 'app.bsky.actor.profile', 'self');
    expect(profile).toMatchObject({
      displayName: 'Pia',
      description: `I make kites.\n${formatShortProof(me.identity)}`,
    });
    // The channel finds both: the record's compact claim and the description's short proof.
    const found = await blueskyPlugin.locate(parseSubject('bluesky:pia.test'), env);
    const locations = found.map((c) => c.location);
    expect(locations).toHaveLength(2);
    expect(locations).toContain(`at://${accounts.pia.did}/app.bsky.actor.profile/self`);
    expect(locations.some((l) => l.startsWith(`at://${accounts.pia.did}/dev.kez.proof/`))).toBe(
      true,
    );
  });

  it('a description with no room is too_large before anything is written', async () => {
    const full = 'é'.repeat(250);
    await pds.putRecord(
      accounts.quinn,
      'app.bsky.actor.profile',
      { $type: 'app.bsky.actor.profile', description: full },
      'self',
    );
    const err = await publish('quinn').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KezError);
    expect(err).toMatchObject({ code: 'too_large' });
    expect((err as KezError).message).toMatch(/remove \d+ characters/);
    expect((await getRecord(accounts.quinn, 'app.bsky.actor.profile', 'self'))?.description).toBe(
      full,
    );
    const q = new URLSearchParams({ repo: accounts.quinn.did, collection: PROOF_COLLECTION });
    const listed = await fetch(`${pds.pdsUrl}/xrpc/com.atproto.repo.listRecords?${q}`);
    expect(((await listed.json()) as { records: unknown[] }).records).toEqual([]);
  });
});
