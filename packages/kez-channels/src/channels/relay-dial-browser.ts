// A browser's relay dialer: its own WebSocket (the browser decides what it may reach; there
// is no address policy to apply from page code), config.hostMap and the scheme rule applied,
// frames over the cap end the session.
import { KezError } from '@kez/core';
import { mappedUrl } from '../host-map.js';
import type { RelayDialer, RelaySocket } from '../types.js';
import { boundedDial, MAX_MESSAGE_BYTES } from './relay-socket.js';

/** The part of the browser's WebSocket used here (this package compiles without DOM types). */
interface BrowserWebSocket {
  onopen: (() => void) | null;
  onerror: (() => void) | null;
  onclose: (() => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(text: string): void;
  close(): void;
}
type WebSocketClass = new (url: string) => BrowserWebSocket;

function wrap(url: string, ws: BrowserWebSocket): RelaySocket {
  return {
    send: (text) => ws.send(text),
    listen(onMessage, onEnd) {
      ws.onmessage = ({ data }) => {
        if (typeof data !== 'string') return; // binary frames are not NIP-01
        // A UTF-16 length ≥ bytes/3: over the cap by length alone means over it in bytes.
        if (data.length > MAX_MESSAGE_BYTES) {
          onEnd(
            new KezError(
              'too_large',
              `${url}: a relay message exceeds ${MAX_MESSAGE_BYTES} bytes`,
              {
                url,
                limit: MAX_MESSAGE_BYTES,
              },
            ),
          );
          ws.close();
          return;
        }
        onMessage(data);
      };
      ws.onerror = () => onEnd(new KezError('network', `${url}: relay connection failed`, { url }));
      ws.onclose = () =>
        onEnd(new KezError('network', `${url}: relay closed the connection`, { url }));
    },
    close() {
      ws.onmessage = ws.onerror = ws.onclose = null;
      ws.close();
    },
  };
}

export const dialRelayBrowser: RelayDialer = async (url, env) => {
  let logical: URL;
  try {
    logical = new URL(url);
  } catch {
    throw new KezError('malformed', `not a relay URL: ${url}`, { url });
  }
  const target = mappedUrl(logical, env.config, { secure: 'wss:', plain: 'ws:' }).href;
  const Socket = (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (!Socket) throw new KezError('network', `${url}: no WebSocket here`, { url });
  return boundedDial(url, env, (done) => {
    const ws = new Socket(target);
    ws.onopen = () => done(null, wrap(url, ws));
    ws.onerror = ws.onclose = () =>
      done(new KezError('network', `${url}: relay connection failed`, { url }));
    return () => {
      ws.onopen = ws.onerror = ws.onclose = null;
      ws.close();
    };
  });
};
