// matrix channel (SPEC §10) against a real Synapse on loopback (one per file): the short proof is
// the user's custom profile field dev.kez.proof, written with the user's own access token and
// read back from the homeserver that the server_name's well-known names; the hostile cases use
// homeserver-shaped stand-ins (matrix-world.ts) where Synapse would not misbehave.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatShortProof, parseSubject } from '@kez/core';
import type { RunningHttp } from '@kez/test-kit';
import { TestChain } from '@kez/test-kit/chain-builder';
import { runKez } from '@kez/test-kit/kez-bin';
import { startSigServer, type RunningSigServer } from '@kez/test-kit/sig-server';
import type { MatrixUser } from '@kez/test-kit/synapse';
import { matrixPlugin, sigServerTransport, type OwnedChannelEnv } from '../src/index.js';
import { MATRIX_PROOF_FIELD } from '../src/channels/matrix.js';
import { judgeAt, kezError, loopbackEnv, verifyWithServer } from './helpers.js';
import { startMatrixWorld, type MatrixWorld } from './matrix-world.js';

const me = TestChain.create({ seed: 61 });
let world: MatrixWorld;
let sig: RunningSigServer;
let env: OwnedChannelEnv;
let short: string;
const users: Record<string, MatrixUser> = {};
let named: RunningHttp[] = [];
const claims = new Map<string, ReturnType<typeof me.add>>();

const judge = (subject: string) => judgeAt(matrixPlugin, subject, env, me.now);
const verify = (subject: string) => verifyWithServer(subject, env, me.now, sig.url);

async function publish(subject: string, token: string | undefined) {
  const claim = claims.get(parseSubject(subject).text)!;
  return matrixPlugin.publish!(
    {
      subject: parseSubject(subject),
      claim,
      compact: await TestChain.compact(claim),
      markdown: TestChain.markdown(claim),
      short,
      token,
      now: me.now,
    },
    env,
  );
}

beforeAll(async () => {
  [world, sig] = await Promise.all([startMatrixWorld(), startSigServer()]);
  short = formatShortProof(me.identity, sig.url);
  for (const name of ['alice', 'bob', 'mallory', 'quiet', 'big'])
    users[name] = await world.synapse.register(name);
  // Homeserver discovery gone hostile: a well-known naming another server (which answers for
  // anyone with the proof), an http base_url, a redirect off the host, a look-alike host.
  const elsewhere = await world.hostile('hs.elsewhere.test', { profile: 'proof' }, short);
  await world.hostile(
    'victim.test',
    { wellKnown: { baseUrl: 'https://hs.elsewhere.test' }, profile: 'none' },
    short,
  );
  await world.hostile('plain-http.test', {
    wellKnown: { baseUrl: 'http://plain-http.test' },
    profile: 'proof',
  });
  await world.hostile('moved.test', {
    wellKnown: { redirect: 'https://hs.elsewhere.test/.well-known/matrix/client' },
    profile: 'none',
  });
  await world.hostile(
    'look.test',
    { wellKnown: { baseUrl: 'https://hs.notlook.test' }, profile: 'none' },
    short,
  );
  named = [elsewhere, await world.hostile('hs.notlook.test', { profile: 'proof' }, short)];
  // A server_name with no well-known is its own homeserver; one of them streams 50 MB.
  await world.hostile('own.test', { profile: 'proof' }, short);
  await world.hostile('huge.test', { profile: 'huge' });
  // A delegation to a subdomain, the well-known a static file nginx types as octet-stream.
  await world.hostile('static.test', {
    wellKnown: { baseUrl: 'https://matrix.static.test/', type: 'application/octet-stream' },
    profile: 'none',
  });
  await world.hostile('matrix.static.test', { profile: 'proof' }, short);
  env = loopbackEnv({ hostMap: world.hostMap(), sigServers: [], nostrRelays: [] });
  for (const s of [
    'matrix:@victim:victim.test',
    'matrix:@x:plain-http.test',
    'matrix:@x:moved.test',
    'matrix:@x:look.test',
    'matrix:@x:own.test',
    'matrix:@x:static.test',
    'matrix:@quiet:kez.test',
    'matrix:@bob:kez.test',
    'matrix:@alice:kez.test',
  ])
    claims.set(parseSubject(s).text, me.add(parseSubject(s).text));
  await sigServerTransport.publishEvents!(sig.url, me.identity, me.events, env);
}, 120_000);
afterAll(async () => {
  await env?.close();
  await Promise.all([world?.close(), sig?.close()]);
});

describe('matrix channel: the dev.kez.proof profile field on a real Synapse', () => {
  it('publish writes the field with the user’s token through the well-known; verify id is valid', async () => {
    const before = world.synapse.requests().length;
    const { location } = await publish('matrix:@alice:kez.test', users.alice!.accessToken);
    // Synapse's well-known names https://matrix.kez.test: the write and the read go there.
    expect(location).toBe('https://matrix.kez.test/_matrix/client/v3/profile/%40alice%3Akez.test');
    expect(world.synapse.requests().slice(before)).toContain(
      'PUT /_matrix/client/v3/profile/%40alice%3Akez.test/dev.kez.proof',
    );
    // The real server keeps it as the custom field, served by the per-field endpoint too.
    const field = await world.synapse.api(
      'GET',
      `/_matrix/client/v3/profile/${encodeURIComponent('@alice:kez.test')}/${MATRIX_PROOF_FIELD}`,
    );
    expect(field).toEqual({ status: 200, body: { [MATRIX_PROOF_FIELD]: short } });
    const found = await matrixPlugin.locate(parseSubject('matrix:alice@kez.test'), env);
    expect(found.map((c) => c.owner)).toEqual([
      { subject: 'matrix:alice@kez.test', stableId: '@alice:kez.test' },
    ]);
    expect(await verify('matrix:@alice:kez.test')).toMatchObject({
      status: 'valid',
      identity: me.identity,
    });
  });

  it("another user's field with the proof is not the subject's", async () => {
    // mallory puts bob's identity's proof in her own field: bob's profile has none.
    await world.setField(users.mallory!, MATRIX_PROOF_FIELD, short);
    expect(await judge('matrix:bob@kez.test')).toEqual([]);
    expect((await verify('matrix:bob@kez.test')).status).toBe('not_found');
    const at = await matrixPlugin.locate(parseSubject('matrix:mallory@kez.test'), env);
    expect(at.map((c) => c.owner.subject)).toEqual(['matrix:mallory@kez.test']);
  });

  it('a proof in a room message, the display name, another field or a non-string is never read', async () => {
    const quiet = users.quiet!;
    await world.say(quiet, short);
    await world.setField(quiet, 'displayname', short);
    // A custom field may hold any JSON: only a string is a proof.
    await world.setField(quiet, MATRIX_PROOF_FIELD, { proof: short });
    await world.setField(quiet, 'dev.kez.other', short);
    const before = world.synapse.requests().length;
    expect(await judge('matrix:quiet@kez.test')).toEqual([]);
    const seen = world.synapse.requests().slice(before);
    expect(seen).toEqual([
      'GET /.well-known/matrix/client',
      'GET /_matrix/client/v3/profile/%40quiet%3Akez.test',
    ]);
    expect((await verify('matrix:quiet@kez.test')).status).toBe('not_found');
  });

  it('an unknown user is no_account (not_found)', async () => {
    const e = await kezError(matrixPlugin.locate(parseSubject('matrix:nobody@kez.test'), env));
    expect(e.code).toBe('no_account');
    expect(await judge('matrix:nobody@kez.test')).toMatchObject([{ status: 'not_found' }]);
  });

  it('a server_name without a well-known is its own homeserver; a subdomain may serve it', async () => {
    expect(await judge('matrix:x@own.test')).toMatchObject([
      { status: 'valid', owner: { subject: 'matrix:x@own.test', stableId: '@x:own.test' } },
    ]);
    expect(await judge('matrix:x@static.test')).toMatchObject([
      {
        status: 'valid',
        location: 'https://matrix.static.test/_matrix/client/v3/profile/%40x%3Astatic.test',
      },
    ]);
  });

  it('discovery naming another server, plain http, or redirecting off the host is refused', async () => {
    for (const subject of [
      'matrix:victim@victim.test',
      'matrix:x@look.test',
      'matrix:x@plain-http.test',
      'matrix:x@moved.test',
    ]) {
      const e = await kezError(matrixPlugin.locate(parseSubject(subject), env));
      expect(e.code, subject).toBe('redirect');
      expect((await verify(subject)).status, subject).toBe('invalid');
    }
    // The servers the well-knowns named were never asked for a profile.
    expect(named.flatMap((s) => s.requests)).toEqual([]);
  });

  it('an oversized profile is refused at the cap; a large honest one still reads', async () => {
    const e = await kezError(matrixPlugin.locate(parseSubject('matrix:x@huge.test'), env));
    expect(e.code).toBe('too_large');
    // Synapse keeps a profile up to 64 KiB: 60 KiB of another field beside the proof.
    const big = users.big!;
    await world.setField(big, 'dev.kez.filler', 'x'.repeat(60 * 1024));
    await world.setField(big, MATRIX_PROOF_FIELD, short);
    expect(await judge('matrix:big@kez.test')).toMatchObject([
      { owner: { subject: 'matrix:big@kez.test' } },
    ]);
    // And refuses more, so a real server never serves past the cap.
    const over = await world.synapse.api(
      'PUT',
      `/_matrix/client/v3/profile/${encodeURIComponent(big.userId)}/dev.kez.more`,
      { 'dev.kez.more': 'y'.repeat(8 * 1024) },
      big.accessToken,
    );
    expect(over).toMatchObject({ status: 400, body: { errcode: 'M_PROFILE_TOO_LARGE' } });
  });

  it('publish with a wrong token, another user’s token or none is not_authorized', async () => {
    const wrong = await kezError(publish('matrix:@bob:kez.test', 'syt_not_a_token'));
    expect(wrong).toMatchObject({
      code: 'not_authorized',
      evidence: { errcode: 'M_UNKNOWN_TOKEN' },
    });
    const other = await kezError(publish('matrix:@bob:kez.test', users.mallory!.accessToken));
    expect(other).toMatchObject({ code: 'not_authorized', evidence: { errcode: 'M_FORBIDDEN' } });
    expect((await kezError(publish('matrix:@bob:kez.test', undefined))).code).toBe(
      'not_authorized',
    );
    expect(await judge('matrix:bob@kez.test')).toEqual([]);
  });

  it('paste names the field and points to publish with MATRIX_TOKEN', () => {
    const p = matrixPlugin.paste!({
      subject: parseSubject('matrix:@alice:kez.test'),
      claim: claims.get('matrix:alice@kez.test')!,
      compact: '',
      markdown: '',
      short,
      now: me.now,
    });
    expect(p).toMatchObject({ url: 'https://matrix.to/#/@alice:kez.test', text: short });
    expect(p.field).toContain(MATRIX_PROOF_FIELD);
    expect(p.field).toContain('MATRIX_TOKEN');
    expect(matrixPlugin.publishToken?.env).toBe('MATRIX_TOKEN');
  });
});

describe('the CLI: kez publish matrix:… with MATRIX_TOKEN, then kez verify id', () => {
  it('writes the field on Synapse and verifies; a wrong token is a local error naming MATRIX_TOKEN', async () => {
    const home = await mkdtemp(join(tmpdir(), 'kez-cli-matrix-'));
    try {
      const carol = await world.synapse.register('carol');
      await writeFile(
        join(home, 'channels.json'),
        JSON.stringify({
          hostMap: world.hostMap(),
          allowLoopback: true,
          allowHttp: true,
          sigServers: [sig.url],
        }),
      );
      for (const args of [
        ['key', 'gen', '--alg', 'ed25519'],
        ['sigchain', 'init'],
      ]) {
        const r = await runKez(home, args);
        expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
      }
      const claim = await runKez(home, [
        '--json',
        'claim',
        'matrix:@carol:kez.test',
        '--format',
        'short',
      ]);
      expect(JSON.parse(claim.out).place).toContain('dev.kez.proof of @carol:kez.test');
      expect((await runKez(home, ['sigchain', 'publish', '--server', sig.url])).code).toBe(0);
      const bad = await runKez(home, ['publish', 'matrix:@carol:kez.test'], {
        MATRIX_TOKEN: 'syt_wrong',
      });
      expect(bad.code).toBeGreaterThanOrEqual(2);
      expect(bad.err).toContain('MATRIX_TOKEN');
      const pasted = await runKez(home, ['--json', 'publish', 'matrix:@carol:kez.test']);
      expect(JSON.parse(pasted.out)).toMatchObject({ token_env: 'MATRIX_TOKEN' });
      const ok = await runKez(home, ['--json', 'publish', 'matrix:@carol:kez.test'], {
        MATRIX_TOKEN: carol.accessToken,
      });
      expect(ok.code, ok.err).toBe(0);
      expect(JSON.parse(ok.out)).toMatchObject({ subject: 'matrix:carol@kez.test' });
      const v = await runKez(home, ['--json', 'verify', 'id', 'matrix:@carol:kez.test']);
      expect(JSON.parse(v.out)).toMatchObject({ status: 'valid' });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
