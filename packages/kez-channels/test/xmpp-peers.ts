// The xmpp tests' peers: setting an account's vCard on the real Prosody as the account itself,
// and a scripted hostile XMPP server on loopback, for what a real Prosody never does: answer a
// vCard query from another JID, push a message or another account's PEP item at the client,
// redirect (see-other-host), stream without end, or never answer. It speaks just enough of
// RFC 6120 for the client to log in: stream header, STARTTLS (a real TLS upgrade with the
// given certificate), SASL PLAIN accepted, resource binding, then one reply per IQ by mode.
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { NS_CLIENT, openSession } from '../src/channels/xmpp-client.js';
import { element, type XmlElement } from '../src/channels/xmpp-xml.js';
import type { ChannelEnv } from '../src/types.js';

/** Sets the account's vcard-temp vCard, logged in as the account. */
export async function setVcard(
  env: ChannelEnv,
  jid: string,
  password: string,
  kids: XmlElement[],
): Promise<void> {
  const s = await openSession({ jid, password }, env, 'not_authorized');
  try {
    const r = await s.iq(
      element('iq', NS_CLIENT, { type: 'set' }, [element('vCard', 'vcard-temp', {}, kids)]),
    );
    if (r.attrs.type !== 'result') throw new Error(`setting the vCard of ${jid} failed`);
  } finally {
    s.close();
  }
}

/** A vcard-temp field. */
export const vcardField = (name: string, value: string) => element(name, 'vcard-temp', {}, [value]);

export type HostileMode =
  | 'stall'
  | 'other-from'
  | 'message'
  | 'other-node'
  | 'see-other-host'
  | 'huge'
  | 'empty';

export interface HostileXmpp {
  port: number;
  mode: HostileMode;
  /** The short proof the hostile answers carry. */
  proof: string;
  close(): Promise<void>;
}

const HEADER = (id: string) =>
  `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='${id}' from='evil.test' version='1.0'>`;

export async function startHostileXmpp(
  cert: { cert: string; key: string },
  proof: string,
): Promise<HostileXmpp> {
  const sockets = new Set<Socket>();
  const state: HostileXmpp = {
    port: 0,
    mode: 'empty',
    proof,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };

  function speak(sock: Socket, stage: 'plain' | 'tls' | 'authed'): void {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      if (buf.includes('<stream:stream')) {
        buf = buf.slice(buf.indexOf('<stream:stream') + 1);
        sock.write(HEADER(stage));
        if (stage === 'plain')
          sock.write(
            "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>",
          );
        else if (stage === 'tls')
          sock.write(
            "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
          );
        else {
          if (state.mode === 'see-other-host')
            return void sock.write(
              "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>elsewhere.example</see-other-host></stream:error></stream:stream>",
            );
          sock.write(
            "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
          );
        }
      }
      if (stage === 'plain' && buf.includes('<starttls')) {
        sock.off('data', onData);
        sock.write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        const tls = new TLSSocket(sock, { isServer: true, cert: cert.cert, key: cert.key });
        tls.on('error', () => {});
        return speak(tls, 'tls');
      }
      if (stage === 'tls' && buf.includes('</auth>')) {
        sock.off('data', onData);
        sock.write("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        return speak(sock, 'authed');
      }
      if (stage !== 'authed') return;
      for (
        let m = /<iq\b[^>]*>[\s\S]*?<\/iq>/.exec(buf);
        m;
        m = /<iq\b[^>]*>[\s\S]*?<\/iq>/.exec(buf)
      ) {
        buf = buf.slice(m.index + m[0].length);
        answer(sock, m[0]);
      }
    };
    sock.on('data', onData);
  }

  function answer(sock: Socket, iq: string): void {
    const id = /\bid="([^"]*)"/.exec(iq)?.[1] ?? '';
    const to = /\bto="([^"]*)"/.exec(iq)?.[1] ?? '';
    if (iq.includes('xmpp-bind'))
      return void sock.write(
        `<iq type='result' id='${id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>verifier@evil.test/kez</jid></bind></iq>`,
      );
    const vcard = iq.includes('vcard-temp');
    const empty = vcard
      ? "<vCard xmlns='vcard-temp'/>"
      : `<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:vcard4'/></pubsub>`;
    const withProof = vcard
      ? `<vCard xmlns='vcard-temp'><DESC>${proof}</DESC></vCard>`
      : `<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:vcard4'><item id='current'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><note><text>${proof}</text></note></vcard></item></items></pubsub>`;
    switch (state.mode) {
      case 'stall':
        return;
      case 'other-from':
        // Another account's vCard, holding the proof, sent as the answer.
        return void sock.write(
          `<iq type='result' id='${id}' from='mallory@b.test'>${withProof}</iq>`,
        );
      case 'message':
        // The subject "says" the proof in a chat message and a headline; the answer is empty.
        sock.write(
          `<message type='chat' from='${to}/phone' to='verifier@evil.test/kez'><body>${proof}</body></message>`,
        );
        sock.write(
          `<message type='headline' from='${to}'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:vcard4'><item id='current'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><note><text>${proof}</text></note></vcard></item></items></event></message>`,
        );
        return void sock.write(`<iq type='result' id='${id}' from='${to}'>${empty}</iq>`);
      case 'other-node':
        // The account's answer names another node (microblog) whose item holds the proof.
        return void sock.write(
          vcard
            ? `<iq type='result' id='${id}' from='${to}'>${empty}</iq>`
            : `<iq type='result' id='${id}' from='${to}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:microblog:0'><item id='current'><vcard xmlns='urn:ietf:params:xml:ns:vcard-4.0'><note><text>${proof}</text></note></vcard></item></items></pubsub></iq>`,
        );
      case 'huge': {
        // A vCard whose description never ends (50 MB), written as the client reads.
        sock.write(`<iq type='result' id='${id}' from='${to}'><vCard xmlns='vcard-temp'><DESC>`);
        const block = 'x'.repeat(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < 50 << 20 && !sock.destroyed) {
            sent += block.length;
            if (!sock.write(block)) return void sock.once('drain', pump);
          }
        };
        pump();
        return;
      }
      default:
        return void sock.write(`<iq type='result' id='${id}' from='${to}'>${empty}</iq>`);
    }
  }

  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    if (state.mode !== 'stall') speak(sock, 'plain');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as { port: number }).port;
  return state;
}
