// issue 11, smaller findings: a hostMap rewrite must not escape to another host, and text from
// a service is decoded strictly as UTF-8 wherever a proof is read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, parseSubject } from '@kez/core';
import {
  evaluateCandidate,
  githubPlugin,
  type OwnedChannelEnv,
  type SafeFetcher,
} from '../src/index.js';
import {
  sendText,
  startGithubStandin,
  startHttp,
  type GithubStandin,
  type RunningHttp,
} from '@kez/test-kit';
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';
import { loopbackEnv } from './helpers.js';

let mapped: RunningHttp;
let other: RunningHttp;
let raw: RunningHttp;
let gh: GithubStandin;
let env: OwnedChannelEnv;
const id = TestIdentity.create({ seed: 61 });
const proof = TestIdentity.markdown(id.add('github:latin1'));
/** The proof with its (unsigned) summary line carrying a byte that is not UTF-8. */
const notUtf8 = Buffer.concat([
  Buffer.from(proof.slice(0, proof.indexOf('\n\n') + 2)),
  Buffer.from([0xff, 0xfe]),
  Buffer.from(proof.slice(proof.indexOf('\n\n') + 2)),
]);

beforeAll(async () => {
  [mapped, other, raw, gh] = await Promise.all([
    startHttp((_req, res) => sendText(res, 200, 'mapped')),
    startHttp((_req, res) => sendText(res, 200, 'other')),
    startHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(notUtf8);
    }),
    startGithubStandin(),
  ]);
  env = loopbackEnv({
    hostMap: {
      ...gh.hostMap,
      'svc.example': mapped.url,
      'gist.githubusercontent.com': raw.url,
    },
  });
});
afterAll(async () => {
  await env.close();
  await Promise.all([mapped.close(), other.close(), raw.close(), gh.close()]);
});

describe('hostMap', () => {
  it('a path starting with // stays on the mapped host', async () => {
    const fetch = env.fetch as SafeFetcher;
    const r = await fetch(`https://svc.example//127.0.0.1:${other.port}/x`);
    expect(r.url).toBe(`https://svc.example//127.0.0.1:${other.port}/x`);
    expect(r.text()).toBe('mapped');
    expect(other.requests).toEqual([]);
    expect(mapped.requests).toHaveLength(1);
  });
});

describe('strict UTF-8', () => {
  it('a lossy decoder would accept the proof', () => {
    const lossy = new TextDecoder('utf-8').decode(notUtf8);
    expect(decode(lossy).object.type).toBe('claim');
  });

  it('a GitHub proof file that is not UTF-8 is malformed, not valid', async () => {
    gh.addUser('latin1');
    gh.addGist('latin1', { 'kez.md': proof });
    const subject = parseSubject('github:latin1');
    const found = await githubPlugin.locate(subject, env).then(
      (cs) => cs.map((c) => evaluateCandidate(subject, c, id.now)),
      (e: unknown) => [e],
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: 'malformed' });
  });
});
