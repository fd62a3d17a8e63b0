// Every way a login must fail: the real nats-server refuses the connection because
// chat-server's callout answered with an error. Each case also checks the logged refusal
// code, so a refusal for the wrong reason cannot pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  canonicalize,
  createLogin,
  encodeCompact,
  encodeJson,
  rotateKey,
  type Signer,
} from '@kez/core';
import type { NatsConnection } from '@nats-io/transport-node';
import { buildLoginToken } from '@kez/chat-client';
import {
  AUDIENCE,
  connectWithToken,
  runChat,
  until,
  type RunningChat,
} from './support/chat-harness.js';
import { PublishedChain as TestIdentity, postEvent } from '@kez/test-kit/published-chain';
import { newSigner, now } from '@kez/test-kit/chain-builder';
import { freePort } from '@kez/test-kit';

let chat: RunningChat;
let alice: TestIdentity;
const open: NatsConnection[] = [];

beforeAll(async () => {
  chat = await runChat();
  alice = await TestIdentity.create(inject('sigUrl'));
});

afterAll(async () => {
  await Promise.allSettled(open.map((nc) => nc.close()));
  await chat.stop();
});

async function admitted(token: string): Promise<NatsConnection> {
  const nc = await connectWithToken(token);
  open.push(nc);
  return nc;
}

/** Connecting with `token` is refused, and chat-server logged `code` for it. */
async function refused(token: string, code: string, c: RunningChat = chat): Promise<void> {
  const before = c.logs.length;
  await expect(connectWithToken(token)).rejects.toThrow(/authorization violation/i);
  expect(
    await until(() => c.logs.slice(before).some((l) => String(l.msg).startsWith('login refused'))),
  ).toBe(true);
  const entry = c.logs.slice(before).find((l) => String(l.msg).startsWith('login refused'));
  expect(entry?.code).toBe(code);
}

function loginJson(
  signer: Signer,
  identity: string,
  over: { audience?: string; created_at?: number; expires_at?: number } = {},
): string {
  const t = now();
  return encodeJson(
    createLogin(
      {
        identity,
        audience: over.audience ?? AUDIENCE,
        created_at: over.created_at ?? t,
        expires_at: over.expires_at ?? t + 60,
      },
      signer,
    ),
  );
}

describe('logins chat-server refuses', () => {
  it('admits a good login (JSON and compact encodings) — the baseline the refusals differ from', async () => {
    await admitted(buildLoginToken(alice.primary, alice.identity, AUDIENCE));
    const t = now();
    const compact = await encodeCompact(
      createLogin(
        { identity: alice.identity, audience: AUDIENCE, created_at: t, expires_at: t + 60 },
        alice.primary,
      ),
    );
    expect(compact.startsWith('kez:z1:')).toBe(true);
    await admitted(compact);
  });

  it('refuses a missing token and garbage', async () => {
    const before = chat.logs.length;
    await expect(connectWithToken('')).rejects.toThrow(/authorization violation/i);
    await refused('not a login at all', 'malformed');
    await refused('{"kez":"0.2"}', 'malformed');
    // Far past any login: nats-server itself drops the CONNECT (max_control_line) before the
    // callout sees it; admission.test.ts covers chat-server's own size bound.
    await expect(connectWithToken(`{${'x'.repeat(20_000)}`)).rejects.toThrow();
    expect(chat.logs.slice(before).some((l) => l.code === 'no_token')).toBe(true);
  });

  it('refuses a forged signature', async () => {
    const good = JSON.parse(buildLoginToken(alice.primary, alice.identity, AUDIENCE)) as Record<
      string,
      string
    >;
    const sig = good.sig!;
    const flipped = { ...good, sig: (sig[0] === '0' ? '1' : '0') + sig.slice(1) };
    await refused(canonicalize(flipped), 'bad_signature');
    // Signed by a stranger's key but naming alice's key.
    const mallory = newSigner();
    const forged = JSON.parse(loginJson(mallory, alice.identity)) as Record<string, string>;
    await refused(canonicalize({ ...forged, key: alice.primary.keyId }), 'bad_signature');
  });

  it("refuses a stranger's own key claiming alice's identity", async () => {
    await refused(loginJson(newSigner(), alice.identity), 'key_rotated');
  });

  it('refuses an expired login and one from the future', async () => {
    const t = now();
    await refused(
      loginJson(alice.primary, alice.identity, { created_at: t - 400, expires_at: t - 100 }),
      'expired',
    );
    await refused(
      loginJson(alice.primary, alice.identity, { created_at: t + 300, expires_at: t + 360 }),
      'future',
    );
  });

  it('refuses a login meant for another service', async () => {
    await refused(
      buildLoginToken(alice.primary, alice.identity, 'chat.other.example'),
      'not_authorized',
    );
  });

  it('refuses a replay of a login that was already used', async () => {
    const token = buildLoginToken(alice.primary, alice.identity, AUDIENCE);
    const first = await admitted(token);
    await refused(token, 'replayed');
    await first.close();
    await refused(token, 'replayed');
  });

  it('refuses a replay after chat-server restarts (used nonces are kept in JetStream)', async () => {
    const token = buildLoginToken(alice.primary, alice.identity, AUDIENCE);
    await admitted(token);
    await chat.stop();
    chat = await runChat();
    await refused(token, 'replayed');
    expect(chat.logs.find((l) => l.code === 'replayed')?.reason).toMatch(/restart|replica/);
  });

  it('with two replicas serving the callout, every good login gets in and no replay does', async () => {
    const second = await runChat();
    try {
      const tokens = Array.from({ length: 8 }, () =>
        buildLoginToken(alice.primary, alice.identity, AUDIENCE),
      );
      for (const t of tokens) await admitted(t);
      for (const t of tokens.slice(0, 4))
        await expect(connectWithToken(t)).rejects.toThrow(/authorization violation/i);
      const replays = [...chat.logs, ...second.logs].filter((l) => l.code === 'replayed').length;
      expect(replays).toBeGreaterThanOrEqual(4);
    } finally {
      await second.stop();
    }
  });

  it('refuses an identity the sig-server has no chain for', async () => {
    const loner = newSigner();
    await refused(loginJson(loner, `kez:id:${'ab'.repeat(32)}`), 'no_chain');
  });

  it('refuses a revoked device key, while the primary still gets in', async () => {
    const bob = await TestIdentity.create(inject('sigUrl'));
    const laptop = await bob.addDevice();
    await admitted(buildLoginToken(laptop, bob.identity, AUDIENCE)); // active device: in
    await bob.revokeDevice(laptop);
    await refused(buildLoginToken(laptop, bob.identity, AUDIENCE), 'device_revoked');
    await admitted(buildLoginToken(bob.primary, bob.identity, AUDIENCE));
  });

  it('refuses a key rotated away; the new primary gets in', async () => {
    const carol = await TestIdentity.create(inject('sigUrl'), 'bip340');
    const old = await carol.rotate();
    await refused(buildLoginToken(old, carol.identity, AUDIENCE), 'key_rotated');
    await admitted(buildLoginToken(carol.primary, carol.identity, AUDIENCE));
  });

  it('refuses every login of a forked chain', async () => {
    const dave = await TestIdentity.create(inject('sigUrl'));
    await admitted(buildLoginToken(dave.primary, dave.identity, AUDIENCE));
    // Two validly signed, conflicting events at seq 1: the sig-server keeps both as evidence.
    const base = dave.state;
    const genesisKey = await dave.rotate();
    const conflicting = rotateKey(
      base,
      { newSigner: newSigner(), created_at: now() - 5 },
      genesisKey,
    );
    expect(await postEvent(inject('sigUrl'), dave.identity, conflicting)).toBe(409);
    await refused(buildLoginToken(dave.primary, dave.identity, AUDIENCE), 'fork');
  });

  it('refuses (never admits) when the sig-server is down, and says so in the log', async () => {
    await chat.stop();
    const down = await runChat({ sigServerUrl: `http://127.0.0.1:${await freePort()}` });
    try {
      await refused(buildLoginToken(alice.primary, alice.identity, AUDIENCE), 'network', down);
      const entry = down.logs.find((l) => String(l.msg).startsWith('login refused'));
      expect(entry?.level).toBe('error');
      expect(entry?.msg).toMatch(/sig-server unreachable/);
    } finally {
      await down.stop();
      chat = await runChat();
    }
  });

  it("refuses when SIG_SERVER_URL is on loopback without the loopback opt-in (the fetcher's address policy)", async () => {
    await chat.stop();
    const strict = await runChat({
      sigServerAccess: { allowHttp: true, allowPrivate: true, allowLoopback: false },
    });
    try {
      await refused(
        buildLoginToken(alice.primary, alice.identity, AUDIENCE),
        'blocked_address',
        strict,
      );
    } finally {
      await strict.stop();
      chat = await runChat();
    }
  });

  it('never logs tokens or secrets', async () => {
    const token = buildLoginToken(alice.primary, alice.identity, AUDIENCE);
    await admitted(token);
    const login = JSON.parse(token) as { sig: string; nonce: string };
    const all = chat.raw.join('\n');
    expect(all).not.toContain(login.sig);
    expect(all).not.toContain(login.nonce);
    const s = inject('natsSecrets');
    for (const secret of [s.issuerSeed, s.xkeySeed!, s.calloutPass, s.appPass])
      expect(all).not.toContain(secret);
  });
});
