// Remote text cannot repaint the terminal (issue 11): a WebFinger `subject` carrying escape
// sequences that would draw `✔ VALID` over an invalid result is shown escaped by the real TS
// CLI's `verify id`; the exit code and --json keep the truth and the exact text.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  sendJson,
  startGithubStandin,
  startHttp,
  type GithubStandin,
  type RunningHttp,
} from '@kez/test-kit';
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';
import { runKez } from '@kez/test-kit/kez-bin';

/** Erase the line, go back to its start, draw a green VALID; plus OSC, BEL, BS, DEL, C1, bidi. */
const HOSTILE =
  'acct:x@evil.example\u001b[2K\r\u001b[1;32m✔ VALID\u001b[0m\u001b]0;t\u0007\b\u007f\u009b\u202e\u2066\u200f\u061c';

let webfinger: RunningHttp;
let hang: RunningHttp;
let gh: GithubStandin;
let home: string;

const kez = (args: string[]) => runKez(home, args);

const RAW =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw controls
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

beforeAll(async () => {
  [webfinger, hang, gh] = await Promise.all([
    startHttp((_req, res) =>
      sendJson(res, 200, { subject: HOSTILE, links: [] }, 'application/jrd+json'),
    ),
    startHttp(() => new Promise(() => {})), // a chain source that never answers
    startGithubStandin(),
  ]);
  const slow = TestIdentity.create({ seed: 84 });
  gh.addUser('slowpoke');
  gh.addGist('slowpoke', {
    'kez.md': TestIdentity.markdown(
      slow.add('github:slowpoke', { locators: ['http://hang.example'] }),
    ),
  });
  home = await mkdtemp(join(tmpdir(), 'kez-cli-term-'));
  await writeFile(
    join(home, 'channels.json'),
    JSON.stringify({
      hostMap: { 'evil.example': webfinger.url, 'hang.example': hang.url, ...gh.hostMap },
      allowLoopback: true,
      allowHttp: true,
    }),
  );
});
afterAll(async () => {
  await Promise.all([webfinger.close(), hang.close(), gh.close()]);
  await rm(home, { recursive: true, force: true });
});

describe('kez verify id with a hostile WebFinger subject', () => {
  it('shows the remote text escaped; exit code and --json say invalid', async () => {
    const r = await kez(['verify', 'id', 'ap:@x@evil.example']);
    expect(r.code).toBe(1); // invalid
    expect(r.out.match(RAW)).toBeNull();
    expect(r.err.match(RAW)).toBeNull();
    expect(r.out).toContain('\\x1b[2K\\x0d\\x1b[1;32m✔ VALID\\x1b[0m');
    expect(r.out).toContain('\\u202e\\u2066\\u200f\\u061c');

    const j = await kez(['--json', 'verify', 'id', 'ap:@x@evil.example']);
    const doc = JSON.parse(j.out) as { status: string; code: string; reason: string };
    expect(doc).toMatchObject({ status: 'invalid', code: 'subject_mismatch' });
    expect(doc.reason).toContain(HOSTILE);
  });

  it('--deadline ends the run and the human output says it was hit', async () => {
    const r = await kez(['verify', 'id', 'github:slowpoke', '--deadline', '0.5']);
    expect(r.code).toBe(7); // unreachable
    expect(r.out).toContain('the 0.5 s deadline was hit');
    const j = await kez(['--json', 'verify', 'id', 'github:slowpoke', '--deadline', '0.5']);
    expect(JSON.parse(j.out)).toMatchObject({
      status: 'unreachable',
      code: 'timeout',
      deadline: { ms: 500, hit: true },
    });
  });
});
