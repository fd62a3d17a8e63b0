// The NATS side of the auth callout (ADR-26): requests arrive on $SYS.REQ.USER.AUTH as JWTs
// signed by the server (optionally sealed to our xkey); each gets an authorization response
// JWT signed by the issuer key, carrying a user JWT or an error.
import type { AuthorizationRequest, ClaimsData } from '@nats-io/jwt';
import type { KeyPair } from '@nats-io/nkeys';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import {
  decideAdmission,
  type Admission,
  type AdmissionContext,
  type RefusalSource,
} from './admission.js';
import type { Gate } from './gate.js';
import type { Logger } from './log.js';
import { encodeAuthorizationResponseJwt, encodeUserJwt, JwtVerifier } from './nkey-crypto.js';
import { userPermissions, type PermissionPolicy } from './permissions.js';

export const AUTH_CALLOUT_SUBJECT = '$SYS.REQ.USER.AUTH';
const REQUEST_AUDIENCE = 'nats-authorization-request';
const XKEY_HEADER = 'Nats-Server-Xkey';
const STARVED_GIVE_UP_MS = 10_000;

export interface CalloutOptions {
  /** Connected as one of the `auth_users` of the callout account. */
  nc: NatsConnection;
  /** Account nkey whose public key is the `issuer` in the server's auth_callout block. */
  issuer: KeyPair;
  /** Curve key whose public key is the `xkey` in the auth_callout block, if set. */
  xkey?: Sealer;
  /** Target account for admitted users (config mode: the user JWT's `aud`). */
  account: string;
  /** Lifetime of issued user JWTs; the server disconnects the client at expiry. */
  jwtTtlSec: number;
  policy: PermissionPolicy;
  admission: AdmissionContext;
  /** Bounds the logins checked at once. */
  gate: Gate;
  /** Time we have to answer, below the broker's authorization timeout (ms). */
  deadlineMs: number;
  log: Logger;
}

/** The log line of a refusal that is not the client's fault names the part that failed. */
const CAUSE: Record<RefusalSource, string> = {
  login: 'login refused',
  'sig-server': 'login refused: sig-server unreachable',
  'nonce-ledger': 'login refused: nonce ledger unavailable',
  'head-memory': 'login refused: head memory unavailable',
  capacity: 'login refused: overloaded (shed before the broker auth timeout)',
  starved: 'login refused: event loop starved (the request waited past the deadline)',
};

/** xkey encryption (nkeys' curve KeyPair, or the faster XKeyBox). */
export interface Sealer {
  open(message: Uint8Array, sender: string): Uint8Array | null;
  seal(message: Uint8Array, recipient: string): Uint8Array;
}

const te = new TextEncoder();
const td = new TextDecoder();

export function serveAuthCallout(opts: CalloutOptions): Subscription {
  const jwts = new JwtVerifier();
  return opts.nc.subscribe(AUTH_CALLOUT_SUBJECT, {
    // One replica answers each request (with several, the broker would take whichever answer
    // came first, and the others would see the nonce as already used).
    queue: 'kez-chat-callout',
    callback: (err, msg) => {
      if (err) {
        opts.log.error('auth callout subscription failed', { error: err.message });
        return;
      }
      handle(msg, opts, jwts).catch((e: unknown) => {
        opts.log.error('auth callout request crashed', {
          error: e instanceof Error ? e.message : String(e),
        });
      });
    },
  });
}

async function handle(msg: Msg, opts: CalloutOptions, jwts: JwtVerifier): Promise<void> {
  const started = performance.now();
  const serverXkey = msg.headers?.get(XKEY_HEADER) || undefined;
  const request = openRequest(msg.data, serverXkey, opts, jwts);
  if (!request) return; // logged; without a readable request there is nobody to answer

  const {
    user_nkey: userNkey,
    server_id: server,
    connect_opts: connect,
    client_info: client,
  } = request.nats;
  // The request JWT's iat (whole seconds, the broker's clock) says when the broker asked. One
  // read well past our deadline means a starved event loop: say so. Past STARVED_GIVE_UP_MS
  // (far beyond any broker's auth timeout, and any sane clock skew) it is not even checked.
  const waitedMs = Date.now() - request.iat * 1000;
  if (waitedMs > opts.deadlineMs + 1_000)
    opts.log.warn('auth callout request read late: event loop starved', {
      waited_ms: waitedMs,
      ...opts.gate.load,
    });
  const deadline = started + opts.deadlineMs;
  const decision: Admission =
    waitedMs > STARVED_GIVE_UP_MS
      ? {
          admit: false,
          code: 'capacity',
          status: 'unreachable',
          reason: `the request waited ${Math.round(waitedMs / 1000)} s before chat-server could read it`,
          source: 'starved',
        }
      : ((await opts.gate.run(deadline, () =>
          decideAdmission(connect?.auth_token, opts.admission, deadline),
        )) ?? {
          admit: false,
          code: 'capacity',
          status: 'unreachable',
          reason: 'too many logins being checked; try again shortly',
          source: 'capacity',
        });
  const responseJwt = respondJwt(decision, userNkey!, server!.id, opts);
  const payload = te.encode(responseJwt);
  msg.respond(opts.xkey && serverXkey ? opts.xkey.seal(payload, serverXkey) : payload);

  const fields = {
    client_host: client?.host,
    client_id: client?.id,
    server: server?.name,
    identity: decision.identity,
    key: decision.key,
    ms: Math.round(performance.now() - started),
  };
  if (decision.admit) {
    opts.log.info('login admitted', {
      ...fields,
      chain_head: decision.chainHead,
      chain_read: decision.chainRead,
      ttl_s: opts.jwtTtlSec,
    });
  } else {
    const entry = {
      ...fields,
      code: decision.code,
      status: decision.status,
      source: decision.source,
      reason: decision.reason,
      ...(decision.chainRead ? { chain_read: decision.chainRead } : {}),
      ...(decision.source === 'capacity' ? opts.gate.load : {}),
    };
    if (decision.code === 'rollback')
      opts.log.error('login refused: sig-server served an older chain (rollback)', entry);
    else if (decision.status === 'unreachable') opts.log.error(CAUSE[decision.source], entry);
    else opts.log.warn('login refused', entry);
  }
}

/** Decrypts (xkey) and verifies the server's request JWT; null (logged) when unusable. */
function openRequest(
  data: Uint8Array,
  serverXkey: string | undefined,
  opts: CalloutOptions,
  jwts: JwtVerifier,
): ClaimsData<AuthorizationRequest> | null {
  let bytes = data;
  if (opts.xkey) {
    if (!serverXkey) {
      opts.log.error(
        'auth callout request not encrypted, but an xkey is configured; check the server auth_callout xkey',
      );
      return null;
    }
    const opened = opts.xkey.open(data, serverXkey);
    if (!opened) {
      opts.log.error('auth callout request could not be decrypted with our xkey');
      return null;
    }
    bytes = opened;
  } else if (serverXkey) {
    opts.log.error('auth callout request is encrypted but no xkey seed is configured');
    return null;
  }
  try {
    const claims = jwts.decode<AuthorizationRequest>(td.decode(bytes)); // verifies the signature by `iss`
    const n = claims.nats;
    if (claims.aud !== REQUEST_AUDIENCE || n.type !== 'authorization_request')
      throw new Error('not an authorization request');
    if (!n.server_id?.id || claims.iss !== n.server_id.id)
      throw new Error('request not issued by the server it names');
    if (!n.user_nkey?.startsWith('U')) throw new Error('request has no user nkey');
    return claims;
  } catch (e) {
    opts.log.error('auth callout request rejected', { error: (e as Error).message });
    return null;
  }
}

function respondJwt(
  decision: Admission,
  userNkey: string,
  serverId: string,
  opts: CalloutOptions,
): string {
  if (!decision.admit)
    return encodeAuthorizationResponseJwt(userNkey, serverId, opts.issuer, {
      error: `kez login refused: ${decision.code}`,
    });
  const userJwt = encodeUserJwt(
    decision.identity,
    userNkey,
    opts.issuer,
    userPermissions(decision.identity, opts.policy),
    { aud: opts.account, exp: Math.floor(Date.now() / 1000) + opts.jwtTtlSec },
  );
  return encodeAuthorizationResponseJwt(userNkey, serverId, opts.issuer, { jwt: userJwt });
}
