// A minimal IRC client that asks a network's NickServ and reads only NickServ's answers, over
// the stream env.dialStream opens (Node: TCP/TLS under the address policy; absent in a
// browser). NickServ is first established from the server's own replies: WHOIS NickServ must
// place it on a server other than ours, with that server's name as its host (a user's host is
// their address or cloak, never a server's name); the commands then go to `NickServ@<that
// server>` (RFC 2812 §3.3.1), which the ircd delivers only to NickServ on that server, and an
// answer counts only from exactly that `nick!user@host`. Bounded by the dialer's deadline and
// byte cap, a 512-byte line bound and a cap on NickServ's lines.
import { KezError, type Code } from '@kez/core';
import type { ChannelEnv } from '../types.js';
import {
  LineReader,
  parseMessage,
  sameAscii,
  shown,
  stripFormatting,
  type IrcMessage,
} from './irc-message.js';

/** IRC over TLS (RFC 7194) unless config.hostMap maps the host to a plain `irc://` (with allowHttp). */
export const TLS_PORT = 6697;
const PLAIN_PORT = 6667;
/** Whole connection, MOTD included (Libera's MOTD is a few KiB). */
const MAX_BYTES = 256 * 1024;
/** NickServ lines in one exchange (Atheme keeps 30 properties an account by default, `mdlimit`). */
const MAX_ANSWER_LINES = 64;
const NICK_ATTEMPTS = 3;

export interface NickServAnswer {
  /** NickServ as the server placed it, `nick!user@host`. */
  nickserv: string;
  /** Its answer lines, formatting removed, in order. */
  lines: string[];
}

/**
 * Whether the host is reached over plain TCP: only through a hostMap entry with a plain scheme
 * (`irc://`, or `http://` as a settings file writes one), and only with allowHttp.
 */
function plainFor(host: string, env: ChannelEnv): boolean {
  const mapped = env.config.hostMap[host];
  if (!mapped || !/^(irc|http):\/\//.test(mapped)) return false;
  if (!env.config.allowHttp)
    throw new KezError(
      'blocked_address',
      `${host}: plain IRC is refused (only TLS, port ${TLS_PORT})`,
      {
        host,
      },
    );
  return true;
}

function guestNick(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `kez${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')}`;
}

/**
 * Connects as a random guest, establishes NickServ, sends it `commands` in order and returns
 * its answer lines up to and including the one `isLast` accepts. Every failure is a KezError.
 */
export async function askNickServ(
  host: string,
  env: ChannelEnv,
  commands: string[],
  isLast: (line: string) => boolean,
): Promise<NickServAnswer> {
  if (!env.dialStream)
    throw new KezError('network', `${host}: this environment cannot open IRC connections`, {
      host,
    });
  const plain = plainFor(host, env);
  const socket = await env.dialStream(
    host,
    plain ? PLAIN_PORT : TLS_PORT,
    { tls: !plain, maxBytes: MAX_BYTES },
    env,
  );
  return new Promise<NickServAnswer>((resolve, reject) => {
    const reader = new LineReader(host);
    const send = (line: string) => socket.write(`${line}\r\n`);
    let nick = guestNick();
    let attempts = 1;
    let ourServer: string | undefined;
    let whois: { user?: string; host?: string; server?: string } = {};
    let nickserv: string | undefined;
    const lines: string[] = [];
    let settled = false;

    const finish = (e: KezError | null) => {
      if (settled) return;
      settled = true;
      if (e) {
        socket.close();
        return reject(e);
      }
      send('QUIT :kez');
      socket.close();
      resolve({ nickserv: nickserv!, lines });
    };
    const fail = (code: Code, message: string) =>
      finish(new KezError(code, `${host}: ${message}`, { host }));

    /** WHOIS answered: NickServ is trusted, or the exchange ends. */
    const judgeNickServ = () => {
      const { user, host: nsHost, server } = whois;
      if (!user || !nsHost || !server || ourServer === undefined)
        return fail('network', 'the server did not say where NickServ is');
      if (sameAscii(server, ourServer))
        return fail(
          'not_authorized',
          `the NickServ there is a user on ${shown(server)}, not the network's services`,
        );
      if (!sameAscii(nsHost, server))
        return fail(
          'not_authorized',
          `the NickServ there (host ${shown(nsHost)}) is not the services server ${shown(server)}`,
        );
      nickserv = `NickServ!${user}@${nsHost}`;
      for (const c of commands) send(`PRIVMSG NickServ@${server} :${c}`);
    };

    const fromNickServ = (m: IrcMessage) =>
      nickserv !== undefined &&
      m.prefix?.user !== undefined &&
      m.prefix.host !== undefined &&
      sameAscii(`${m.prefix.name}!${m.prefix.user}@${m.prefix.host}`, nickserv);

    const handle = (m: IrcMessage) => {
      const [target, subject] = m.params;
      switch (m.command) {
        case 'PING':
          return send(`PONG :${m.params[0] ?? ''}`);
        case 'ERROR':
          return fail('network', 'the server closed the connection');
        case '001':
          // The server that welcomed us is ours: NickServ must be elsewhere.
          ourServer = m.prefix?.name;
          if (target) nick = target;
          return send('WHOIS NickServ');
        case 'NICK': // the server renamed us (e.g. services' guest nicks)
          if (m.prefix && sameAscii(m.prefix.name, nick) && m.params[0]) nick = m.params[0];
          return;
        case '432':
          return fail('network', 'the server refused the guest nick');
        case '433':
        case '436':
          if (ourServer !== undefined) return;
          if (++attempts > NICK_ATTEMPTS) return fail('network', 'no guest nick was free');
          nick = guestNick();
          return send(`NICK ${nick}`);
        case '311': // RPL_WHOISUSER <me> <nick> <user> <host> * :<real name>
          if (subject && sameAscii(subject, 'NickServ'))
            whois = { ...whois, user: m.params[2], host: m.params[3] };
          return;
        case '312': // RPL_WHOISSERVER <me> <nick> <server> :<info>
          if (subject && sameAscii(subject, 'NickServ')) whois = { ...whois, server: m.params[2] };
          return;
        case '401': // ERR_NOSUCHNICK
          if (subject && /^NickServ(@|$)/i.test(subject))
            return fail('network', 'NickServ is not on the network (services down?)');
          return;
        case '318': // RPL_ENDOFWHOIS
          if (nickserv === undefined && subject && sameAscii(subject, 'NickServ')) judgeNickServ();
          return;
        case 'NOTICE':
        case 'PRIVMSG': {
          // Only NickServ's words to us; a channel message or another user's never counts.
          if (!fromNickServ(m) || !target || !sameAscii(target, nick)) return;
          const text = stripFormatting(m.params[1] ?? '');
          lines.push(text);
          if (lines.length > MAX_ANSWER_LINES)
            return finish(
              new KezError(
                'too_large',
                `${host}: NickServ sent more than ${MAX_ANSWER_LINES} lines`,
                {
                  host,
                  limit: MAX_ANSWER_LINES,
                },
              ),
            );
          if (isLast(text)) finish(null);
          return;
        }
        default:
          return;
      }
    };

    socket.listen(
      (chunk) => {
        if (settled) return;
        let got: string[];
        try {
          got = reader.push(chunk);
        } catch (e) {
          return finish(e as KezError);
        }
        for (const line of got) {
          const m = parseMessage(line);
          if (m) handle(m);
          if (settled) return;
        }
      },
      (e) => finish(e),
    );
    send(`NICK ${nick}`);
    send('USER kez 0 * :kez verifier');
  });
}
