// The kez commands this package backs (verify id, publish, sigchain publish), run as the real
// CLI in a subprocess against the stand-ins and the real sig-server.
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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
import { columnsOf, runKez, runKezOnTerminal, screenLines } from '@kez/test-kit/kez-bin';

const GH_TOKEN = 'ghp_secret_value_never_printed';
let gh: GithubStandin;
let masto: MastodonStandin;
let sig: RunningSigServer;
let relay: RunningRelay;
let home: string;

const kez = (args: string[], env: Record<string, string> = {}) => runKez(home, args, env);

beforeAll(async () => {
  [gh, masto, sig, relay] = await Promise.all([
    startGithubStandin(),
    startMastodonStandin(),
    startSigServer(),
    startRelay(),
  ]);
  // The default homes (claims name them, verifiers ask them) are one local relay here.
  const relayHttp = relay.url.replace(/^ws/, 'http');
  home = await mkdtemp(join(tmpdir(), 'kez-cli-ch-'));
  await writeFile(
    join(home, 'channels.json'),
    JSON.stringify({
      hostMap: {
        ...gh.hostMap,
        ...masto.hostMap,
        'relay.damus.io': relayHttp,
        'nos.lol': relayHttp,
      },
      allowLoopback: true,
      allowHttp: true,
      sigServers: [sig.url],
      dnsServers: [inject('dnsServer')],
    }),
  );
  gh.addUser('zoe');
  gh.addToken(GH_TOKEN, 'zoe');
  gh.addUser('zoe-old');
  gh.addToken('old-token', 'zoe-old');
  masto.addAccount('zoe');
  masto.addToken('masto-token', 'zoe');
  for (const args of [
    ['key', 'gen', '--alg', 'ed25519'],
    ['sigchain', 'init'],
    ['sigchain', 'add', 'github:zoe'],
    ['sigchain', 'add', 'mastodon:Zoe@social.example'],
    ['sigchain', 'add', 'github:zoe-old'],
    ['sigchain', 'add', 'dns:zoe.example'],
  ]) {
    const r = await kez(args);
    expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(0);
  }
});
afterAll(async () => {
  await Promise.all([gh.close(), masto.close(), sig.close(), relay.stop()]);
  await rm(home, { recursive: true, force: true });
});

describe('kez verify id / publish / sigchain publish', () => {
  it('before the chain is published, verify id is not valid', async () => {
    const r = await kez(['--json', 'publish', 'github:zoe'], { GITHUB_TOKEN: GH_TOKEN });
    expect(r.code).toBe(0);
    expect(`${r.out}${r.err}`).not.toContain(GH_TOKEN);
    const v = await kez(['--json', 'verify', 'id', 'github:zoe']);
    expect(JSON.parse(v.out).status).toBe('not_found');
    expect(JSON.parse(v.out).code).toBe('no_chain');
    expect(v.code).toBe(3);
  });

  it('publishes the chain, then verifies the graph (exit 0, one JSON document)', async () => {
    expect(
      (await kez(['publish', 'ap:@zoe@social.example'], { MASTODON_TOKEN: 'masto-token' })).code,
    ).toBe(0);
    expect((await kez(['publish', 'github:zoe-old'], { GITHUB_TOKEN: 'old-token' })).code).toBe(0);
    expect((await kez(['sigchain', 'revoke', 'github:zoe-old'])).code).toBe(0);
    const p = await kez(['--json', 'sigchain', 'publish', '--server', sig.url]);
    expect(p.code).toBe(0);
    expect(JSON.parse(p.out).servers[0].added).toBe(6);
    expect(JSON.parse((await kez(['--json', 'sigchain', 'publish'])).out).servers[0].added).toBe(0); // nothing missing
    const v = await kez(['--json', 'verify', 'id', 'github:zoe']);
    expect(v.code).toBe(0);
    const doc = JSON.parse(v.out);
    const status = Object.fromEntries(
      doc.edges.map((e: { subject: string; status: string }) => [e.subject, e.status]),
    );
    expect(status).toEqual({
      'github:zoe': 'valid',
      // `kez publish` writes a short proof into the KEZ field (Mastodon keeps 255 characters).
      'ap:@zoe@social.example': 'valid',
      'github:zoe-old': 'revoked',
      'dns:zoe.example': expect.not.stringMatching(/^valid$/),
    });
  });

  it('exit code follows the subject: revoked → 4, human output shows the graph', async () => {
    const v = await kez(['verify', 'id', 'github:zoe-old']);
    expect(v.code).toBe(4);
    expect(v.out).toContain('REVOKED');
    expect(v.out).toContain('github:zoe');
    expect(v.err).toBe(''); // progress only on a TTY
  });

  it.each([60, 120])(
    'on a %i-column terminal: no line wider, status first, a one-line summary; --json keeps full ids',
    async (columns) => {
      const r = await runKezOnTerminal(home, ['verify', 'id', 'github:zoe'], columns);
      expect(r.code).toBe(0);
      const lines = screenLines(r.screen).filter((l) => l !== '');
      for (const l of lines) expect(columnsOf(l), l).toBeLessThanOrEqual(columns);
      expect(lines[0]).toMatch(/^✔ VALID {2}github:zoe$/);
      expect(lines[1]).toMatch(/^ {2}2 of 4 accounts valid; chain valid at seq \d+$/);
      // account rows lead with their status
      const rows = lines.filter((l) => /^[├└]─ /.test(l));
      expect(rows).toEqual([
        expect.stringMatching(/^├─ ✔ VALID +github:zoe /),
        expect.stringMatching(/^├─ ✔ VALID +ap:@zoe@s/),
        expect.stringMatching(/^├─ ! REVOKED \(revoked\) +github:zoe-old /),
        expect.stringMatching(/^└─ [!?✘] [A-Z_]+ .*dns:zoe\.example/),
      ]);
      const doc = JSON.parse((await kez(['--json', 'verify', 'id', 'github:zoe'])).out);
      expect(doc.identity).toMatch(/^kez:id:[0-9a-f]{64}$/);
      const shown = lines.find((l) => l.startsWith('identity '))!;
      if (columns === 120) expect(shown).toBe(`identity ${doc.identity}`);
      else expect(shown).toMatch(/^identity kez:id:[0-9a-f]+…[0-9a-f]+$/);
      const onTty = await runKezOnTerminal(
        home,
        ['-q', '--json', 'verify', 'id', 'github:zoe'],
        columns,
      );
      expect(JSON.parse(onTty.screen)).toEqual(doc);
    },
  );

  it('publish dns prints the value for a single-value form (one TXT string) and the zone-file line', async () => {
    const r = await kez(['--json', 'publish', 'dns:zoe.example']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.name).toBe('_kez.zoe.example');
    // The short proof: one character-string (≤ 255 bytes), nothing to quote or split.
    expect(doc.value).toMatch(/^(https?:\/\/[^/"\s]+\/)?kez:id:[0-9a-f]{64}$/);
    expect(Buffer.byteLength(doc.value)).toBeLessThanOrEqual(255);
    expect(doc.zone_line).toBe(`_kez.zoe.example. 3600 IN TXT "${doc.value}"`);
    const human = await kez(['publish', 'dns:zoe.example']);
    expect(human.out.split('\n')).toEqual(
      expect.arrayContaining([`  ${doc.value}`, `  ${doc.zone_line}`]),
    );
  });

  describe('a TXT value as the provider stores it (real nsd)', () => {
    let zone: RunningNsd | undefined;
    let verifier: string;
    beforeAll(async () => {
      verifier = await mkdtemp(join(tmpdir(), 'kez-cli-dns-'));
    });
    afterAll(async () => {
      await zone?.stop();
      await rm(verifier, { recursive: true, force: true });
    });
    /** verify id dns:zoe.example against a zone holding one TXT record of these strings. */
    async function verifyWith(strings: string[]) {
      await zone?.stop();
      zone = await startNsd([{ name: '_kez.zoe.example', strings }]);
      await writeFile(
        join(verifier, 'channels.json'),
        JSON.stringify({
          allowLoopback: true,
          allowHttp: true,
          sigServers: [sig.url],
          dnsServers: [zone.server],
        }),
      );
      const v = await kez(['--json', 'verify', 'id', 'dns:zoe.example'], { KEZ_HOME: verifier });
      return { code: v.code, doc: JSON.parse(v.out) };
    }
    // Up to 255 bytes per character-string, as a provider splits one long value.
    const chunks = (t: string) => t.match(/[\s\S]{1,255}/g)!;

    it('the value pasted as printed is one string on the wire and valid', async () => {
      const { value } = JSON.parse((await kez(['--json', 'publish', 'dns:zoe.example'])).out);
      const v = await verifyWith([value]);
      expect(v.doc.status).toBe('valid');
      expect(v.code).toBe(0);
    });

    it('a compact claim pasted with its quotes is told apart from no proof, and never valid', async () => {
      const shown = await kez(['claim', 'show', 'dns:zoe.example', '--format', 'dns']);
      expect(shown.code).toBe(0);
      const pasted = shown.out.trim(); // "kez:z1:…" "…" as a zone file wants it
      expect(pasted).toMatch(/^"kez:z1:/);
      const v = await verifyWith(chunks(pasted));
      expect(v.doc).toMatchObject({ status: 'invalid', code: 'bad_encoding' });
      expect(v.doc.reason).toContain('includes quote characters; paste it without them');
      expect(v.doc.evidence.hint).toBe('quoted_txt');
      expect(v.code).not.toBe(0);
      // The same claim without the quotes verifies: the diagnosis is about the paste only.
      const unquoted = pasted.replace(/"/g, '').replace(/ /g, '');
      expect((await verifyWith(chunks(unquoted))).doc.status).toBe('valid');
      // Inner quotes left by a half-done cleanup are refused the same way.
      const half = await verifyWith(chunks(pasted.slice(1, -1)));
      expect(half.doc).toMatchObject({ status: 'invalid', code: 'bad_encoding' });
    });
  });

  it('publish ap: with all 4 Mastodon fields in use is a local problem (exit 8) saying what to do; the fields stay', async () => {
    const four = ['A', 'B', 'C', 'D'].map((name) => ({ name, value: `v${name}` }));
    masto.addAccount('zoe', { fields: four });
    const r = await kez(['publish', 'ap:@zoe@social.example'], { MASTODON_TOKEN: 'masto-token' });
    expect(r.code).toBe(8);
    expect(r.err).toMatch(/4 of its 4 profile fields/);
    expect(r.err).toMatch(/rename one to KEZ/);
    const j = await kez(['--json', 'publish', 'ap:@zoe@social.example'], {
      MASTODON_TOKEN: 'masto-token',
    });
    expect(JSON.parse(j.out).error.code).toBe('publish_refused');
    // Renamed to KEZ: its value is replaced in place, the other three stay.
    masto.addAccount('zoe', {
      fields: [four[0]!, four[1]!, { name: 'KEZ', value: 'x' }, four[3]!],
    });
    expect(
      (await kez(['publish', 'ap:@zoe@social.example'], { MASTODON_TOKEN: 'masto-token' })).code,
    ).toBe(0);
    expect((await kez(['--json', 'verify', 'id', 'ap:@zoe@social.example'])).code).toBe(0);
  });

  it('verify id with GITHUB_TOKEN revalidates from KEZ_HOME/http-cache.json: the second run costs no GitHub requests', async () => {
    const first = await kez(['--json', 'verify', 'id', 'github:zoe'], { GITHUB_TOKEN: GH_TOKEN });
    expect(first.code).toBe(0);
    const cache = join(home, 'http-cache.json');
    expect(statSync(cache).mode & 0o777).toBe(0o600);
    expect(readFileSync(cache, 'utf8')).not.toContain(GH_TOKEN);
    const counted = gh.counted;
    const again = await kez(['--json', 'verify', 'id', 'github:zoe'], { GITHUB_TOKEN: GH_TOKEN });
    expect(again.code).toBe(0);
    expect(gh.counted).toBe(counted);
  });

  it("past GitHub's hourly limit, verify id says rate limited, when to retry and to set GITHUB_TOKEN", async () => {
    gh.limits.unauthenticated = 0;
    try {
      const r = await kez(['verify', 'id', 'github:zoe'], { GITHUB_TOKEN: '' });
      expect(r.code).toBe(7);
      expect(r.out).toMatch(/rate_limited/);
      expect(r.out).toMatch(/retry at \d{4}-\d\d-\d\dT/);
      expect(r.out).toContain('set GITHUB_TOKEN');
    } finally {
      gh.limits.unauthenticated = 60;
    }
  });

  it('publish without a token is a local problem (exit 8) that names the variable', async () => {
    const r = await kez(['publish', 'github:zoe'], { GITHUB_TOKEN: '' });
    expect(r.code).toBe(8);
    expect(r.err).toContain('GITHUB_TOKEN');
  });

  it('a bad subject is invalid (exit 1), SSRF stays refused without the loopback opt-in', async () => {
    expect((await kez(['verify', 'id', 'github:-bad-'])).code).toBe(1);
    const strictHome = await mkdtemp(join(tmpdir(), 'kez-cli-strict-'));
    await writeFile(
      join(strictHome, 'channels.json'),
      JSON.stringify({ hostMap: gh.hostMap, allowHttp: true }),
    );
    const r = await kez(['--json', 'verify', 'id', 'github:zoe'], { KEZ_HOME: strictHome });
    expect(JSON.parse(r.out)).toMatchObject({ status: 'invalid', code: 'blocked_address' });
    await rm(strictHome, { recursive: true, force: true });
  });
});
