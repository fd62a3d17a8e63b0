// The matrix channel's world: one real Synapse (server_name kez.test, client API behind
// https://matrix.kez.test, named by Synapse's own /.well-known/matrix/client), and, for the hosts
// a test makes hostile, loopback stand-ins shaped like a homeserver:
//  - /.well-known/matrix/client: `{"m.homeserver":{"base_url":…}}` (spec "Server Discovery",
//    GET /.well-known/matrix/client), a redirect, or 404;
//  - GET /_matrix/client/v3/profile/{userId}: a profile holding the proof for whatever user is
//    asked (spec v1.16 "Profiles": displayname plus custom fields), or a 50 MB answer.
import { respondHostile, sendJson, sendText, startHttp, type RunningHttp } from '@kez/test-kit';
import { startSynapse, type MatrixUser, type RunningSynapse } from '@kez/test-kit/synapse';
import { MATRIX_PROOF_FIELD } from '../src/channels/matrix.js';

export interface HostileHomeserver {
  /** The well-known's answer (its Content-Type, default application/json). */
  wellKnown?: { baseUrl: string; type?: string } | { redirect: string };
  profile: 'proof' | 'huge' | 'none';
}

export interface MatrixWorld {
  synapse: RunningSynapse;
  hostMap(): Record<string, string>;
  /** A registered user of kez.test, its proof field set to `field` when given. */
  user(name: string, field?: string): Promise<MatrixUser>;
  /** Sets a user's own profile field (as the user). */
  setField(u: MatrixUser, key: string, value: unknown): Promise<void>;
  /** A room made by `u` with `text` as a message in it. */
  say(u: MatrixUser, text: string): Promise<void>;
  /** A homeserver stand-in answering as `host`; `proof` is what its profile field holds. */
  hostile(host: string, how: HostileHomeserver, proof?: string): Promise<RunningHttp>;
  close(): Promise<void>;
}

export async function startMatrixWorld(): Promise<MatrixWorld> {
  const synapse = await startSynapse({
    serverName: 'kez.test',
    publicBaseUrl: 'https://matrix.kez.test/',
  });
  const map: Record<string, string> = { 'kez.test': synapse.url, 'matrix.kez.test': synapse.url };
  const standins: RunningHttp[] = [];
  const sent = { bytes: 0 };
  const ok = (r: { status: number; body: unknown }, what: string) => {
    if (r.status !== 200) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Record<string, unknown>;
  };
  const world: MatrixWorld = {
    synapse,
    hostMap: () => ({ ...map }),
    async setField(u, key, value) {
      ok(
        await synapse.api(
          'PUT',
          `/_matrix/client/v3/profile/${encodeURIComponent(u.userId)}/${key}`,
          { [key]: value },
          u.accessToken,
        ),
        `set ${key}`,
      );
    },
    async user(name, field) {
      const u = await synapse.register(name);
      if (field !== undefined) await world.setField(u, MATRIX_PROOF_FIELD, field);
      return u;
    },
    async say(u, text) {
      const room = ok(
        await synapse.api('POST', '/_matrix/client/v3/createRoom', {}, u.accessToken),
        'createRoom',
      );
      ok(
        await synapse.api(
          'PUT',
          `/_matrix/client/v3/rooms/${encodeURIComponent(String(room.room_id))}/send/m.room.message/t${Date.now()}`,
          { msgtype: 'm.text', body: text },
          u.accessToken,
        ),
        'send',
      );
    },
    async hostile(host, how, proof = '') {
      const server = await startHttp((_req, res, url) => {
        if (url.pathname === '/.well-known/matrix/client') {
          const w = how.wellKnown;
          if (!w) return sendJson(res, 404, { errcode: 'M_NOT_FOUND', error: 'Not found' });
          if ('redirect' in w) {
            res.writeHead(302, { location: w.redirect });
            return void res.end();
          }
          return sendJson(res, 200, { 'm.homeserver': { base_url: w.baseUrl } }, w.type);
        }
        const m = /^\/_matrix\/client\/v3\/profile\/([^/]+)$/.exec(url.pathname);
        if (!m) return sendText(res, 404, 'not found');
        if (how.profile === 'huge') return respondHostile(res, 'huge', sent, 'application/json');
        const user = decodeURIComponent(m[1]!);
        return sendJson(res, 200, {
          displayname: user.slice(1, user.indexOf(':')),
          ...(how.profile === 'proof' ? { [MATRIX_PROOF_FIELD]: proof } : {}),
        });
      });
      standins.push(server);
      map[host] = server.url;
      return server;
    },
    async close() {
      await Promise.all(standins.map((s) => s.close()));
      await synapse.stop();
    },
  };
  return world;
}
