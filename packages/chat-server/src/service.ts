// Wires the parts together: two NATS connections (the callout user in the auth account, and
// chat-server's own user in the app account for the history stream), the admission state,
// and an orderly stop.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sigServerChainSource, type ChainSource } from './chain-source.js';
import { serveAuthCallout } from './callout.js';
import type { ChatServerConfig } from './config.js';
import { Gate } from './gate.js';
import { jetStreamHeadStore } from './head-store.js';
import { ensureStream, serveHistory } from './history.js';
import type { Logger } from './log.js';
import { NonceCache } from './nonce-cache.js';
import { jetStreamNonceLedger } from './nonce-ledger.js';
import { fastSigningKey, XKeyBox } from './nkey-crypto.js';
import { VerifiedChains } from './verified-chains.js';

export interface ChatServer {
  stop(): Promise<void>;
}

export async function startChatServer(
  cfg: ChatServerConfig,
  log: Logger,
  deps: { chains?: ChainSource; now?: () => number } = {},
): Promise<ChatServer> {
  const issuer = fastSigningKey(cfg.issuerSeed);
  const xkey = cfg.xkeySeed ? new XKeyBox(cfg.xkeySeed) : undefined;
  const common = {
    servers: cfg.natsUrl,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // Each login makes JetStream requests (head read, nonce claim); with async traces on, every
    // request builds two Error objects (stack captures) up front in case it later fails.
    noAsyncTraces: true,
  };

  const app = await connect({
    ...common,
    name: 'kez-chat-server/app',
    user: cfg.appUser,
    pass: cfg.appPass,
  });
  let callout: NatsConnection | undefined;
  // A source passed in (tests) is the caller's; the one made here is closed on stop.
  const ownSource = deps.chains
    ? undefined
    : sigServerChainSource({
        baseUrl: cfg.sigServerUrl,
        timeoutMs: cfg.sigServerTimeoutMs,
        access: cfg.sigServerAccess,
      });
  try {
    // The login stores first: JetStream reserves each stream's max_bytes, so history created
    // after them can never take their room.
    const ledger = await reserving(
      jetStreamNonceLedger(app, `${cfg.stream}_NONCES`, { maxBytes: cfg.nonceMaxBytes }, log),
      'KEZ_CHAT_NONCE_MAX_BYTES',
      cfg.nonceMaxBytes,
    );
    const heads = await reserving(
      jetStreamHeadStore(app, `${cfg.stream}_HEADS`, { maxBytes: cfg.headsMaxBytes }, log),
      'KEZ_CHAT_HEADS_MAX_BYTES',
      cfg.headsMaxBytes,
    );
    await reserving(
      ensureStream(
        await jetstreamManager(app),
        {
          name: cfg.stream,
          maxAgeSec: cfg.historyMaxAgeSec,
          maxMsgs: cfg.historyMaxMsgs,
          maxBytes: cfg.historyMaxBytes,
          maxMsgsPerMember: cfg.historyMaxPerMember,
          maxMsgSize: cfg.maxPayload + HEADER_ALLOWANCE,
        },
        log,
      ),
      'KEZ_CHAT_HISTORY_MAX_BYTES',
      cfg.historyMaxBytes,
    );
    await serveHistory(app, cfg.stream, log);

    callout = await connect({
      ...common,
      name: 'kez-chat-server/callout',
      user: cfg.calloutUser,
      pass: cfg.calloutPass,
    });
    serveAuthCallout({
      nc: callout,
      issuer,
      ...(xkey ? { xkey } : {}),
      account: cfg.account,
      jwtTtlSec: cfg.jwtTtlSec,
      policy: { rooms: cfg.rooms, maxPayload: cfg.maxPayload },
      admission: {
        audience: cfg.audience,
        chains: new VerifiedChains(ownSource ?? deps.chains!),
        nonces: new NonceCache(),
        ledger,
        heads,
        now: deps.now ?? (() => Math.floor(Date.now() / 1000)),
      },
      gate: new Gate(cfg.maxConcurrentLogins, cfg.loginQueue),
      deadlineMs: cfg.authDeadlineMs,
      log,
    });
    await callout.flush();
  } catch (e) {
    await callout?.close();
    await app.close();
    await ownSource?.close();
    throw e;
  }
  log.info('chat-server ready', {
    nats: redactUrl(cfg.natsUrl),
    account: cfg.account,
    audience: cfg.audience,
    sig_server: cfg.sigServerUrl,
    sig_server_access: cfg.sigServerAccess,
    xkey: xkey !== undefined,
    issuer: issuer.getPublicKey(),
  });
  for (const [name, nc] of [
    ['app', app],
    ['callout', callout],
  ] as const) {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect')
          log.warn(`nats ${s.type}`, { connection: name });
      }
    })();
  }
  return {
    async stop() {
      await Promise.allSettled([callout!.drain(), app.drain()]);
      await ownSource?.close();
      log.info('chat-server stopped');
    },
  };
}

/** Room for a message's headers (Kez-Msg-Id) in the stored-size bound. */
const HEADER_ALLOWANCE = 512;

/** A stream's max_bytes is reserved at creation: say which setting did not fit. */
async function reserving<T>(step: Promise<T>, knob: string, bytes: number): Promise<T> {
  try {
    return await step;
  } catch (e) {
    if (e instanceof Error && /insufficient storage/i.test(e.message))
      throw new Error(
        `JetStream cannot reserve ${knob}=${bytes} bytes (${e.message}): lower it, or give the broker's JetStream more storage (max_file_store)`,
        { cause: e },
      );
    throw e;
  }
}

/** NATS URLs may embed credentials: log only scheme, host and port. */
function redactUrl(url: string): string {
  return url
    .split(',')
    .map((u) => {
      try {
        const p = new URL(u.includes('://') ? u : `nats://${u}`);
        return `${p.protocol}//${p.host}`;
      } catch {
        return '(unparsable)';
      }
    })
    .join(',');
}
