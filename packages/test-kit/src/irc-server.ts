// A real IRC network on loopback for the irc channel's tests: Debian's InspIRCd 3 (plain and
// TLS client ports, a self-signed certificate the client trusts through tlsCa) with Debian's
// Atheme 7.2 services linked to it (protocol module `inspircd`, InspIRCd 3 speaking the 1202
// link protocol), each with its own config and data directory, run in the foreground. Accounts
// are registered the way users do it: NickServ REGISTER and SET PROPERTY over a client connection.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { selfSignedCert } from './tls-cert.js';

const INSPIRCD = process.env.INSPIRCD_BIN ?? '/usr/sbin/inspircd';
const ATHEME = process.env.ATHEME_BIN ?? '/usr/bin/atheme-services';
const LINK_PASSWORD = 'kez-link';

export interface IrcNetworkOptions {
  /** The ircd's server name, also the host the client dials (default irc.kez.test). */
  host?: string;
  /** The services' server name and NickServ's host (default services.kez.test). */
  servicesHost?: string;
  /** Channels every client is joined to on connect (InspIRCd conn_join), e.g. ['#lobby']. */
  autojoin?: string[];
  /** InspIRCd `<badnick>` for NickServ: no user may take the nick, even with services down. */
  reserveServiceNicks?: boolean;
  /** IRC operators (OPER name password) whose host becomes `vhost` when they oper up. */
  opers?: Array<{ name: string; password: string; vhost: string }>;
}

export interface IrcAccount {
  /** The account name as registered (its case kept). */
  name: string;
  password: string;
}

export interface IrcNetwork {
  host: string;
  servicesHost: string;
  /** The TLS client port (the channel's default path). */
  tlsPort: number;
  /** The plain client port (test clients; the channel only with allowHttp). */
  plainPort: number;
  /** PEM certificate of the ircd, for ChannelsConfig.tlsCa. */
  ca: string;
  /** config.hostMap entries (as a settings file holds them): https to the TLS port, http to the plain one. */
  hostMap(plain?: boolean): Record<string, string>;
  /** Registers an account (NickServ REGISTER), sets its properties, groups extra nicks to it. */
  register(
    name: string,
    opts?: { properties?: Record<string, string>; group?: string[] },
  ): Promise<IrcAccount>;
  /** A raw client on the plain port, registered (001 seen) under `nick`. */
  client(nick: string): Promise<IrcTestClient>;
  /** Stops Atheme (NickServ quits the network) / starts it again and waits for NickServ. */
  stopServices(): Promise<void>;
  startServices(): Promise<void>;
  stop(): Promise<void>;
}

/** One line-level IRC client for setting up and for hostile peers; answers PING. */
export class IrcTestClient {
  private buffer = '';
  private waiters: Array<{ re: RegExp; done: (line: string) => void }> = [];
  private listeners: Array<(line: string) => void> = [];
  readonly lines: string[] = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buffer += d;
      for (let i = this.buffer.indexOf('\n'); i >= 0; i = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, i).replace(/\r$/, '');
        this.buffer = this.buffer.slice(i + 1);
        this.lines.push(line);
        if (line.startsWith('PING ')) this.send(`PONG ${line.slice(5)}`);
        for (const l of this.listeners) l(line);
        const matched = this.waiters.filter((w) => w.re.test(line));
        this.waiters = this.waiters.filter((w) => !matched.includes(w));
        for (const w of matched) w.done(line);
      }
    });
    socket.on('error', () => {
      /* the test sees the lines stop */
    });
  }

  static async connect(port: number, nick: string): Promise<IrcTestClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new IrcTestClient(socket);
    const welcome = client.waitFor(/^:\S+ (001|43\d) /);
    client.send(`NICK ${nick}`);
    client.send(`USER ${nick.slice(0, 9)} 0 * :KEZ test client`);
    const line = await welcome;
    if (!/ 001 /.test(line)) {
      client.close();
      throw new Error(`IRC: nick ${nick} refused: ${line}`);
    }
    return client;
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** Calls `fn` with every line from now on. */
  onLine(fn: (line: string) => void): void {
    this.listeners.push(fn);
  }

  /** The next line matching `re` (lines already received are not searched). */
  waitFor(re: RegExp, ms = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`IRC: no line matching ${re}`)), ms);
      this.waiters.push({
        re,
        done: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  /** Sends `text` to NickServ and waits for its NOTICE matching `re`. */
  async nickserv(text: string, re: RegExp): Promise<string> {
    const answer = this.waitFor(new RegExp(`^:NickServ!\\S+ NOTICE \\S+ :.*${re.source}`, 'i'));
    this.send(`PRIVMSG NickServ :${text}`);
    return answer;
  }

  close(): void {
    if (!this.socket.destroyed) this.socket.end('QUIT :done\r\n');
    this.socket.destroySoon();
  }
}

function inspircdConf(dir: string, o: Required<IrcNetworkOptions>, ports: Ports): string {
  const lines = [
    `<server name="${o.host}" description="KEZ test ircd" network="KezTest">`,
    '<admin name="kez" nick="kez" email="kez@kez.test">',
    `<bind address="127.0.0.1" port="${ports.plain}" type="clients">`,
    `<bind address="127.0.0.1" port="${ports.tls}" type="clients" sslprofile="Clients">`,
    `<bind address="127.0.0.1" port="${ports.link}" type="servers">`,
    // Every test client comes from 127.0.0.1: no per-IP limits, no flood penalties, no DNS.
    '<connect allow="*" timeout="30" pingfreq="120" hardsendq="1M" softsendq="65536" recvq="65536" threshold="10000" commandrate="1000000" fakelag="off" localmax="10000" globalmax="10000" useident="no" resolvehostnames="no">',
    `<pid file="${join(dir, 'inspircd.pid')}">`,
    `<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="${join(dir, 'inspircd.log')}">`,
    // Registration waits for the client's PONG to a PING (conn_waitpong): every client answers it.
    '<module name="conn_waitpong">',
    '<waitpong sendsnotice="no" killonbadreply="yes">',
    '<module name="ssl_gnutls">',
    `<sslprofile name="Clients" provider="gnutls" certfile="${join(dir, 'cert.pem')}" keyfile="${join(dir, 'key.pem')}" requestclientcert="no">`,
    // The link protocol and what Atheme's inspircd module needs of the ircd.
    '<module name="spanningtree">',
    '<module name="services_account">',
    '<module name="servprotect">',
    '<module name="hidechans">',
    '<module name="chghost">',
    '<module name="chgident">',
    '<module name="chgname">',
    '<module name="svshold">',
    `<link name="${o.servicesHost}" ipaddr="127.0.0.1" port="${ports.link}" allowmask="127.0.0.0/8" sendpass="${LINK_PASSWORD}" recvpass="${LINK_PASSWORD}">`,
    `<uline server="${o.servicesHost}" silent="yes">`,
  ];
  if (o.autojoin.length)
    lines.push('<module name="conn_join">', `<autojoin channel="${o.autojoin.join(',')}">`);
  o.opers.forEach((op, i) => {
    lines.push(
      `<type name="kez${i}" classes="kez-all" vhost="${op.vhost}">`,
      `<oper name="${op.name}" password="${op.password}" host="*@127.0.0.1" type="kez${i}">`,
    );
  });
  if (o.opers.length)
    lines.push(
      '<class name="kez-all" commands="*" privs="*" usermodes="*" chanmodes="*" snomasks="*">',
    );
  if (o.reserveServiceNicks)
    lines.push('<badnick nick="NickServ" reason="Reserved for a network service">');
  return `${lines.join('\n')}\n`;
}

function athemeConf(dir: string, o: Required<IrcNetworkOptions>, ports: Ports): string {
  return `loadmodule "modules/protocol/inspircd";
loadmodule "modules/backend/opensex";
loadmodule "modules/crypto/pbkdf2v2";
loadmodule "modules/nickserv/main";
loadmodule "modules/nickserv/register";
loadmodule "modules/nickserv/identify";
loadmodule "modules/nickserv/group";
loadmodule "modules/nickserv/info";
loadmodule "modules/nickserv/set_core";
loadmodule "modules/nickserv/set_property";
loadmodule "modules/nickserv/taxonomy";
serverinfo {
	name = "${o.servicesHost}";
	desc = "KEZ test services";
	numeric = "00A";
	recontime = 1;
	netname = "KezTest";
	hidehostsuffix = "users.kez.test";
	adminname = "kez";
	adminemail = "kez@kez.test";
	registeremail = "noreply@kez.test";
	/* No e-mail verification: REGISTER logs the account in at once. */
	auth = none;
	casemapping = rfc1459;
	loglevel = { error; info; admin; network; register; };
	maxlogins = 5;
	maxusers = 100;
	mdlimit = 30;
	emaillimit = 10;
	emailtime = 300;
};
uplink "${o.host}" {
	host = "127.0.0.1";
	port = ${ports.link};
	password = "${LINK_PASSWORD}";
};
nickserv {
	nick = "NickServ";
	user = "NickServ";
	host = "${o.servicesHost}";
	real = "Nickname Services";
	maxnicks = 5;
	expire = 30;
};
general {
	/* The tests register many accounts from one address in a few seconds. */
	flood_msgs = 1000;
	flood_time = 10;
	ratelimit_uses = 1000;
	ratelimit_period = 60;
	kline_time = 7;
	clone_time = 0;
	commit_interval = 5;
	default_clone_allowed = 10000;
	default_clone_warn = 10000;
	uplink_sendq_limit = 1048576;
	language = "en";
	exempts { };
	immune_level = immune;
};
logfile "${join(dir, 'atheme', 'atheme.log')}" { error; info; network; };
`;
}

interface Ports {
  plain: number;
  tls: number;
  link: number;
}

/** Spawns a daemon in the foreground, its stderr kept for the error message. */
function daemon(
  bin: string,
  args: string[],
  cwd: string,
): { child: ChildProcess; output: () => string } {
  // cwd: the throwaway directory, where anything the daemon writes lands.
  const child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-2000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (e) => keep(Buffer.from(e.message)));
  return { child, output: () => out };
}

async function stopChild(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((res) => child.once('exit', res));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function until<T>(what: string, ms: number, attempt: () => Promise<T>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (Date.now() > end) throw new Error(`${what}: ${(e as Error).message}`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

export async function startIrcNetwork(options: IrcNetworkOptions = {}): Promise<IrcNetwork> {
  for (const bin of [INSPIRCD, ATHEME])
    await access(bin, constants.X_OK).catch(() => {
      throw new Error(
        `${bin} not found: install Debian's inspircd and atheme-services (bash packages/kez-channels/scripts/setup.sh)`,
      );
    });
  const o: Required<IrcNetworkOptions> = {
    host: 'irc.kez.test',
    servicesHost: 'services.kez.test',
    autojoin: [],
    reserveServiceNicks: false,
    opers: [],
    ...options,
  };
  const dir = await mkdtemp(join(tmpdir(), 'kez-irc-'));
  await mkdir(join(dir, 'atheme'));
  const ports: Ports = { plain: await freePort(), tls: await freePort(), link: await freePort() };
  const cert = await selfSignedCert([o.host]);
  await writeFile(join(dir, 'cert.pem'), cert.cert);
  await writeFile(join(dir, 'key.pem'), cert.key, { mode: 0o600 });
  await writeFile(join(dir, 'inspircd.conf'), inspircdConf(dir, o, ports));
  await writeFile(join(dir, 'atheme.conf'), athemeConf(dir, o, ports));

  const root = process.getuid?.() === 0;
  const ircd = daemon(
    INSPIRCD,
    [
      '--config',
      join(dir, 'inspircd.conf'),
      '--nofork',
      '--nopid',
      ...(root ? ['--runasroot'] : []),
    ],
    dir,
  );
  // Debian's InspIRCd 3.15 segfaults in its exit path on SIGTERM; the network is throwaway.
  const stopIrcd = () => stopChild(ircd.child, 'SIGKILL');
  let services: ReturnType<typeof daemon> | undefined;
  const clients = new Set<IrcTestClient>();
  const client = async (nick: string) => {
    const c = await IrcTestClient.connect(ports.plain, nick);
    clients.add(c);
    return c;
  };

  let probes = 0;
  const startServices = async () => {
    services = daemon(
      ATHEME,
      [
        '-n',
        '-c',
        join(dir, 'atheme.conf'),
        '-D',
        join(dir, 'atheme'),
        '-l',
        join(dir, 'atheme', 'console.log'),
        '-p',
        join(dir, 'atheme', 'atheme.pid'),
      ],
      dir,
    );
    const s = services;
    // NickServ answers once Atheme has linked and burst: WHOIS shows it on the services server.
    await until('NickServ did not come up within 20 s', 20_000, async () => {
      if (s.child.exitCode !== null) throw new Error(`atheme exited: ${s.output()}`);
      const probe = await IrcTestClient.connect(ports.plain, `probe${++probes}`);
      try {
        const seen = probe.waitFor(/^:\S+ (312 \S+ NickServ|401) /i, 2_000);
        probe.send('WHOIS NickServ');
        const line = await seen;
        if (!line.includes(o.servicesHost)) throw new Error('NickServ not linked yet');
      } finally {
        probe.close();
      }
    });
  };

  try {
    await until('InspIRCd did not accept clients within 10 s', 10_000, async () => {
      if (ircd.child.exitCode !== null) throw new Error(`inspircd exited: ${ircd.output()}`);
      (await IrcTestClient.connect(ports.plain, `probe${++probes}`)).close();
    });
    await startServices();
  } catch (e) {
    await stopChild(services?.child);
    await stopIrcd();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }

  let registered = 0;
  return {
    host: o.host,
    servicesHost: o.servicesHost,
    tlsPort: ports.tls,
    plainPort: ports.plain,
    ca: cert.cert,
    hostMap: (plain = false) => ({
      [o.host]: plain ? `http://127.0.0.1:${ports.plain}` : `https://127.0.0.1:${ports.tls}`,
    }),
    async register(name, opts = {}) {
      const password = `pw-${name}-${++registered}-secret`;
      const c = await IrcTestClient.connect(ports.plain, name);
      try {
        await c.nickserv(`REGISTER ${password} ${name}-${registered}@kez.test`, /registered/);
        for (const [key, value] of Object.entries(opts.properties ?? {}))
          await c.nickserv(`SET PROPERTY ${key} ${value}`, /Metadata entry/);
        for (const nick of opts.group ?? []) {
          const changed = c.waitFor(/ NICK :?/);
          c.send(`NICK ${nick}`);
          await changed;
          await c.nickserv('GROUP', /registered to your account/);
        }
      } finally {
        c.close();
      }
      return { name, password };
    },
    client,
    async stopServices() {
      await stopChild(services?.child);
      services = undefined;
      // The ircd notices the split when it reads the closed link: until then NickServ is online.
      await until('NickServ stayed on the network', 10_000, async () => {
        const probe = await IrcTestClient.connect(ports.plain, `probe${++probes}`);
        try {
          const seen = probe.waitFor(/^:\S+ (311 \S+ NickServ|401) /i, 2_000);
          probe.send('WHOIS NickServ');
          if (/ 311 /.test(await seen)) throw new Error('still there');
        } finally {
          probe.close();
        }
      });
    },
    startServices,
    async stop() {
      for (const c of clients) c.close();
      await stopChild(services?.child);
      await stopIrcd();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type HostileIrcMode = 'stall' | 'flood' | 'long-line';

export interface HostileIrc {
  port: number;
  /** config.hostMap entry mapping `host` to it (plain: the channel needs allowHttp). */
  hostMap(host: string): Record<string, string>;
  close(): Promise<void>;
}

/**
 * A hostile IRC server (not a stand-in for a real one): 'stall' accepts and never answers,
 * 'flood' welcomes and then sends NOTICE lines without end, 'long-line' sends one line that
 * never ends.
 */
export async function startHostileIrc(mode: HostileIrcMode): Promise<HostileIrc> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    if (mode === 'stall') return;
    const chunk =
      mode === 'flood'
        ? ':flood.kez.test NOTICE * :*** flood flood flood flood flood flood flood flood\r\n'.repeat(
            64,
          )
        : 'x'.repeat(4096);
    if (mode === 'flood') socket.write(':flood.kez.test 001 kez :Welcome\r\n');
    const pump = () => {
      while (!socket.destroyed && socket.write(chunk));
      if (!socket.destroyed) socket.once('drain', pump);
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    hostMap: (host) => ({ [host]: `http://127.0.0.1:${port}` }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** NickServ's TAXONOMY answer in Atheme's wording (modules/nickserv/taxonomy.c), for fakes. */
export function taxonomyLines(account: string, entries: Record<string, string>): string[] {
  return [
    `Taxonomy for \x02${account}\x02:`,
    ...Object.entries(entries).map(([k, v]) => `${k.padEnd(32)}: ${v}`),
    `End of \x02${account}\x02 taxonomy.`,
  ];
}

/**
 * A hostile user in `channel` (the network's autojoin put `client` there): every user who
 * joins gets `lines` as NOTICEs from it, and the channel hears them too. `targeted` lists who
 * got them.
 */
export async function lobbyBot(
  client: IrcTestClient,
  channel: string,
  lines: string[],
): Promise<{ targeted: string[] }> {
  const targeted: string[] = [];
  const isJoin = (line: string) => line.split(' ')[1] === 'JOIN' && line.endsWith(channel);
  if (!client.lines.some(isJoin)) await client.waitFor(/ JOIN /);
  client.onLine((line) => {
    const m = /^:([^!\s]+)!\S+ JOIN :?(\S+)/.exec(line);
    if (!m || m[2] !== channel) return;
    targeted.push(m[1]!);
    for (const l of lines) {
      client.send(`NOTICE ${m[1]} :${l}`);
      client.send(`PRIVMSG ${channel} :${l}`);
    }
  });
  return { targeted };
}

/** A user answering every PRIVMSG to it with `answer(text)` as NOTICEs; `heard` keeps what it got. */
export function answerAs(
  client: IrcTestClient,
  answer: (text: string) => string[],
): { heard: string[] } {
  const heard: string[] = [];
  client.onLine((line) => {
    const m = /^:([^!\s]+)!\S+ PRIVMSG \S+ :(.*)$/.exec(line);
    if (!m) return;
    heard.push(m[2]!);
    for (const l of answer(m[2]!)) client.send(`NOTICE ${m[1]} :${l}`);
  });
  return { heard };
}
