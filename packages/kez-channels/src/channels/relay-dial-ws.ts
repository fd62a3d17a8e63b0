// Node's relay dialer: ws with the one address policy (address-policy.ts) applied to the
// connection — wss only (ws:// only with allowHttp), no private/loopback/link-local targets
// (checked on the resolved address and again on the connected socket), frames capped.
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { KezError, utf8Decode } from '@kez/core';
import {
  addressPolicy,
  blockedIn,
  blockedReason,
  guardedLookup,
  targetUrl,
} from '../address-policy.js';
import type { ChannelsConfig, RelayDialer, RelaySocket } from '../types.js';
import { boundedDial, MAX_MESSAGE_BYTES } from './relay-socket.js';

/** The URL actually dialled for a relay URL: config.hostMap applied, scheme and address checked. */
export function relayTarget(url: string, config: ChannelsConfig): string {
  let logical: URL;
  try {
    logical = new URL(url);
  } catch {
    throw new KezError('malformed', `not a relay URL: ${url}`, { url });
  }
  return targetUrl(logical, config, { secure: 'wss:', plain: 'ws:' }).href;
}

/** A connection the address policy refused is blocked_address; anything else is the network. */
function connectError(e: unknown, url: string): KezError {
  const blocked = blockedIn(e);
  const error = blocked
    ? new KezError('blocked_address', `${url}: ${blocked.message}`, {
        url,
        address: blocked.address,
      })
    : new KezError(
        'network',
        `${url}: relay connection failed (${(e as { code?: string })?.code ?? (e as Error)?.message ?? String(e)})`,
        { url },
      );
  Object.defineProperty(error, 'cause', { value: e });
  return error;
}

function wrap(url: string, ws: WebSocket): RelaySocket {
  return {
    send: (text) => ws.send(text),
    listen(onMessage, onEnd) {
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary) onMessage(utf8Decode(data));
      });
      ws.on('error', (e) => onEnd(connectError(e, url)));
      ws.on('close', () =>
        onEnd(new KezError('network', `${url}: relay closed the connection`, { url })),
      );
    },
    close() {
      ws.removeAllListeners('error');
      ws.on('error', () => {
        /* closing */
      });
      ws.terminate();
    },
  };
}

export const dialRelayWs: RelayDialer = (url, env) => {
  const { config } = env;
  const target = relayTarget(url, config);
  return boundedDial(url, env, (done) => {
    const ws = new WebSocket(target, {
      lookup: guardedLookup(addressPolicy(config)),
      followRedirects: false,
      perMessageDeflate: false,
      maxPayload: MAX_MESSAGE_BYTES,
      headers: { 'user-agent': 'kez/0.2' },
    } as WebSocket.ClientOptions);
    const settle = (e: KezError | null) => {
      ws.removeAllListeners('open')
        .removeAllListeners('error')
        .removeAllListeners('unexpected-response')
        .removeAllListeners('upgrade');
      done(e, e ? undefined : wrap(url, ws));
    };
    ws.on('upgrade', (res: IncomingMessage) => {
      // The address actually connected to, whatever resolved it (IP literal, lookup, proxy).
      const remote = res.socket.remoteAddress ?? '';
      const why = blockedReason(remote, addressPolicy(config));
      if (why)
        settle(
          new KezError('blocked_address', `${url}: refused to talk to ${remote} (${why})`, {
            url,
            address: remote,
          }),
        );
    });
    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      res.resume();
      settle(
        new KezError(
          status === 429 ? 'rate_limited' : 'http_status',
          `${url}: HTTP ${status} instead of a WebSocket`,
          { url, status },
        ),
      );
    });
    ws.on('open', () => settle(null));
    ws.on('error', (e) => settle(connectError(e, url)));
    return () => {
      ws.on('error', () => {
        /* late errors of a socket we gave up on */
      });
      ws.terminate();
    };
  });
};
