// A minimal XMPP client over env.dialStream (RFC 6120): stream, STARTTLS (always — the
// password never travels in the clear), SASL, resource binding, then IQs matched by id.
// Everything a server sends is bounded by the seam's byte cap and deadline; stanzas other
// than the answers awaited (messages, presence) are dropped unread, and at most so many.
import { KezError } from '@kez/core';
import type { ChannelEnv, StreamSocket } from '../types.js';
import { MECHANISMS, type Mechanism, fromBase64, saslExchange, toBase64 } from './xmpp-sasl.js';
import {
  NS_STREAM,
  child,
  children,
  serialize,
  streamReader,
  textOf,
  type XmlElement,
} from './xmpp-xml.js';

const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const NS_SESSION = 'urn:ietf:params:xml:ns:xmpp-session';
export const NS_CLIENT = 'jabber:client';

/** Stanzas not awaited (pushes, presence, messages) dropped before the server counts as flooding. */
const MAX_UNASKED = 256;

export interface XmppAccount {
  /** Bare JID `name@host`. */
  jid: string;
  password: string;
  /** Where to connect instead of the JID's host on 5222: `host` or `host:port`. */
  server?: string;
}

export interface XmppSession {
  /** The full JID the server bound. */
  jid: string;
  /** Sends an IQ (`iq` without id) and waits for its result or error. */
  iq(iq: XmlElement): Promise<XmlElement>;
  close(): void;
}

/** Where an account's client connection goes: its server override or its host on 5222. */
function endpoint(account: XmppAccount): { host: string; port: number } {
  const host = account.jid.slice(account.jid.lastIndexOf('@') + 1);
  if (!account.server) return { host, port: 5222 };
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(account.server);
  if (!m)
    throw new KezError('malformed', `the XMPP server '${account.server}' is not host or host:port`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 5222 };
}

/** Conditions a server names in <stream:error> or <failure>: the first child's local name. */
const condition = (el: XmlElement) =>
  el.children.find((c): c is XmlElement => typeof c !== 'string' && c.name !== 'text')?.name ??
  'undefined-condition';

/** Reads stanzas one at a time from a stream that restarts (a new reader per stream header). */
class Stanzas {
  private queue: XmlElement[] = [];
  private waiter?: { res: (el: XmlElement) => void; rej: (e: KezError) => void };
  private ended?: KezError;
  private reader!: { write(bytes: Uint8Array): void };
  private opened?: () => void;

  constructor(
    readonly where: string,
    readonly socket: StreamSocket,
  ) {
    socket.listen(
      (chunk) => this.reader.write(chunk),
      (e) => this.end(e),
    );
  }

  end(e: KezError): void {
    if (this.ended) return;
    this.ended = e;
    this.socket.close();
    this.waiter?.rej(e);
    this.waiter = undefined;
  }

  /** Opens a (new) stream to `domain` and resolves once the server's header arrives. */
  open(domain: string): Promise<void> {
    return new Promise((res, rej) => {
      if (this.ended) return rej(this.ended);
      this.opened = res;
      this.waiter = { res: () => {}, rej };
      this.reader = streamReader(this.where, {
        open: () => {
          this.waiter = undefined;
          this.opened?.();
        },
        stanza: (el) => {
          if (el.name === 'error' && el.ns === NS_STREAM) {
            // see-other-host (RFC 6120 §4.9.3.19) is a redirect, never followed.
            const cond = condition(el);
            return this.end(
              new KezError(
                cond === 'see-other-host' ? 'redirect' : 'network',
                `${this.where}: stream error (${cond})`,
                { host: this.where, condition: cond },
              ),
            );
          }
          const w = this.waiter;
          if (w) {
            this.waiter = undefined;
            w.res(el);
          } else this.queue.push(el);
        },
        end: (e) => this.end(e),
      });
      this.socket.write(
        `<?xml version='1.0'?><stream:stream to='${domain}' version='1.0' xml:lang='en' xmlns='${NS_CLIENT}' xmlns:stream='${NS_STREAM}'>`,
      );
    });
  }

  next(): Promise<XmlElement> {
    const el = this.queue.shift();
    if (el) return Promise.resolve(el);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((res, rej) => {
      this.waiter = { res, rej };
    });
  }

  send(el: XmlElement): void {
    if (!this.ended) this.socket.write(serialize(el, NS_CLIENT));
  }
}

const el = (
  name: string,
  ns: string,
  attrs: Record<string, string> = {},
  kids: Array<XmlElement | string> = [],
): XmlElement => ({ name, ns, attrs, children: kids });

/** Logs in: STARTTLS, SASL (failures are `failCode`, e.g. not_authorized for one's own account), bind. */
export async function openSession(
  account: XmppAccount,
  env: ChannelEnv,
  failCode: 'network' | 'not_authorized',
): Promise<XmppSession> {
  const at = account.jid.lastIndexOf('@');
  const user = account.jid.slice(0, at);
  const domain = account.jid.slice(at + 1);
  if (!env.dialStream)
    throw new KezError(
      'network',
      'xmpp needs a TCP connection, which this runtime cannot open (kez in a browser): verify xmpp accounts with the kez CLI or a server',
      { jid: account.jid },
    );
  const { host, port } = endpoint(account);
  const socket = await env.dialStream(host, port, { maxBytes: env.config.maxBodyBytes }, env);
  const s = new Stanzas(`xmpp ${host}:${port}`, socket);
  const fail = (code: 'network' | 'not_authorized' | 'malformed', why: string, evidence = {}) => {
    const e = new KezError(code, `${s.where}: ${why}`, { host: s.where, ...evidence });
    s.end(e);
    return e;
  };
  try {
    await s.open(domain);
    let features = await s.next();
    if (!child(features, 'starttls', NS_TLS))
      throw fail('network', 'the server offers no STARTTLS; kez sends no password in the clear');
    s.send(el('starttls', NS_TLS));
    const proceed = await s.next();
    if (proceed.name !== 'proceed' || proceed.ns !== NS_TLS)
      throw fail('network', `STARTTLS refused (<${proceed.name}/>)`);
    await socket.startTls(domain);
    await s.open(domain);
    features = await s.next();

    const offered = children(child(features, 'mechanisms', NS_SASL), 'mechanism').map(textOf);
    const mechanism = MECHANISMS.find((m) => offered.includes(m)) as Mechanism | undefined;
    if (!mechanism)
      throw fail(
        'network',
        `no SASL mechanism kez speaks (offered: ${offered.join(' ') || 'none'})`,
      );
    const sasl = saslExchange(mechanism, user, account.password);
    s.send(el('auth', NS_SASL, { mechanism }, [toBase64(sasl.initial) || '=']));
    for (;;) {
      const answer = await s.next();
      if (answer.ns !== NS_SASL) throw fail('malformed', `<${answer.name}/> during SASL`);
      if (answer.name === 'challenge') {
        const reply = sasl.challenge(fromBase64(textOf(answer), 'a SASL challenge'));
        s.send(el('response', NS_SASL, {}, [toBase64(reply)]));
        continue;
      }
      if (answer.name === 'success') {
        sasl.success(fromBase64(textOf(answer), 'SASL success data'));
        break;
      }
      throw fail(
        failCode,
        `the server refused the login of ${account.jid} (${condition(answer)})`,
        {
          jid: account.jid,
          condition: condition(answer),
        },
      );
    }
    await s.open(domain);
    features = await s.next();
    if (!child(features, 'bind', NS_BIND))
      throw fail('malformed', 'the server offers no resource binding');

    let counter = 0;
    const pending = new Map<
      string,
      { res: (el: XmlElement) => void; rej: (e: KezError) => void }
    >();
    const iq = (stanza: XmlElement): Promise<XmlElement> => {
      const id = `kez${++counter}`;
      return new Promise((res, rej) => {
        pending.set(id, { res, rej });
        s.send({ ...stanza, attrs: { ...stanza.attrs, id } });
      });
    };
    // One loop hands each answer to its IQ; anything else is dropped, up to MAX_UNASKED.
    let unasked = 0;
    void (async () => {
      for (;;) {
        let stanza: XmlElement;
        try {
          stanza = await s.next();
        } catch (e) {
          for (const p of pending.values()) p.rej(e as KezError);
          pending.clear();
          return;
        }
        const id = stanza.attrs.id ?? '';
        const p = pending.get(id);
        if (
          stanza.name === 'iq' &&
          p &&
          (stanza.attrs.type === 'result' || stanza.attrs.type === 'error')
        ) {
          pending.delete(id);
          p.res(stanza);
        } else if (++unasked > MAX_UNASKED) {
          fail('malformed', `more than ${MAX_UNASKED} stanzas kez did not ask for`);
        }
      }
    })();

    const bindAnswer = await iq(
      el('iq', NS_CLIENT, { type: 'set' }, [
        // No resource asked: the server makes one (RFC 6120 §7.6), so concurrent checks through
        // one verifier account never conflict (a fixed one makes the server end the older session).
        el('bind', NS_BIND, {}, []),
      ]),
    );
    const jid = textOf(child(child(bindAnswer, 'bind', NS_BIND), 'jid', NS_BIND));
    if (bindAnswer.attrs.type !== 'result' || !jid)
      throw fail('malformed', 'resource binding failed');
    // RFC 3921 sessions: only where a server still requires one (RFC 6121 dropped it).
    const session = child(features, 'session', NS_SESSION);
    if (session && !child(session, 'optional', NS_SESSION))
      await iq(el('iq', NS_CLIENT, { type: 'set' }, [el('session', NS_SESSION)]));
    return {
      jid,
      iq,
      close() {
        socket.write(`</stream:stream>`);
        s.end(new KezError('network', `${s.where}: closed by kez`, { host: s.where }));
      },
    };
  } catch (e) {
    s.end(e as KezError);
    throw e;
  }
}
