// kez chat ROOM — joins a KEZ chat room through its NATS broker: logs in with a local key (a
// fresh single-use login assertion per connect), shows the room's history, sends each stdin
// line, and prints every message with its sender's verified identity (from the subject the
// broker let that identity publish on). Ends when stdin ends.
import type { ChatMessage } from '@kez/chat-client';
import { arg, command, type OptionValues, option } from '../command-definition.js';
import type { Env } from '../context.js';
import { CliError, usageError } from '../errors.js';
import type { Outcome } from '../exit-codes.js';
import { namedOrDefault, signerFor, storeIdentity } from '../keyring.js';

const chatOptions = {
  server: option('--server <url>', "the chat deployment's NATS URL (default $NATS_URL)"),
  audience: option(
    '--audience <name>',
    "the chat deployment's login audience (default $KEZ_CHAT_AUDIENCE)",
  ),
  key: option('--key <name>', 'the key to log in with (default: the default key)'),
  history: option('--history <n>', 'messages of history to show first', '50'),
};
type ChatOptions = OptionValues<typeof chatOptions>;

export const chatCommand = command({
  name: 'chat',
  examples: ['kez chat lobby'],
  description: 'join a KEZ chat room: history, then live messages; each stdin line is sent',
  args: [arg('<room>', 'room name ([a-z0-9][a-z0-9_-]{0,63})')],
  options: chatOptions,
  run: async (env, args, opts) => chat(env, args[0], opts),
});

async function chat(env: Env, room: string, opts: ChatOptions): Promise<Outcome> {
  const server = opts.server ?? env.vars.NATS_URL;
  const audience = opts.audience ?? env.vars.KEZ_CHAT_AUDIENCE;
  if (!server)
    throw usageError(
      'no NATS server to connect to',
      'pass --server nats://host:4222 or set NATS_URL',
    );
  if (!audience)
    throw usageError(
      'no chat audience',
      "pass --audience NAME (the deployment's KEZ_CHAT_AUDIENCE) or set KEZ_CHAT_AUDIENCE",
    );
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(room))
    throw usageError(
      `'${room}' is not a room name`,
      'use lower-case letters, digits, "_" and "-", e.g. kez chat lobby',
    );
  const limit = Number(opts.history);
  if (!Number.isInteger(limit) || limit < 0 || limit > 500)
    throw usageError('--history must be 0–500', 'e.g. --history 20');

  const identity = storeIdentity(
    env,
    "run `kez sigchain init`, then publish the chain to the deployment's sig-server (`kez sigchain publish`)",
  );
  const core = await env.core();
  const signer = signerFor(core, namedOrDefault(env, opts.key));
  const { ChatRoom, connectChat } = await import('@kez/chat-client');

  let nc;
  try {
    nc = await connectChat({ servers: server, signer, identity, audience, name: 'kez chat' });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/authorization/i.test(msg)) {
      throw new CliError(
        'invalid',
        `the chat deployment refused the login of ${identity} with key ${signer.keyId}`,
        "the key must be the primary or an active device of your chain on the deployment's sig-server (`kez sigchain publish`), and --audience must be the deployment's",
        'login_refused',
      );
    }
    throw new CliError(
      'unreachable',
      `cannot reach ${server}: ${msg}`,
      'check --server / NATS_URL and the network',
      'network',
    );
  }

  const chatRoom = new ChatRoom(nc, room, identity);
  const messages: ChatMessage[] = [];
  const show = (m: ChatMessage) => {
    if (env.out.json) messages.push(m);
    else env.out.raw(line(env, m, identity));
  };
  // Subscribe before reading history so nothing sent meanwhile is lost; live messages wait
  // until the history is out.
  let early: ChatMessage[] | null = [];
  chatRoom.subscribe((m) => (early ? early.push(m) : show(m)));
  await nc.flush();
  const history = limit > 0 ? await chatRoom.history(limit) : [];
  history.forEach(show);
  early.forEach(show);
  early = null;
  env.out.progress(`joined ${room} as ${identity}; type a line to send, end with Ctrl-D`, {
    persist: true,
  });

  let sent = 0;
  // Loaded here, not at start-up: only this command reads lines.
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const text of rl) {
    if (text.trim() === '') continue;
    chatRoom.send(text);
    sent++;
  }
  await nc.flush();
  await nc.drain();
  if (env.out.json) env.out.result({ room, identity, messages, sent }, () => '');
  return 'valid';
}

// Control characters (incl. newlines and ANSI escapes) are replaced: a message must not fake
// another sender's line or drive the terminal.
function line(env: Env, m: ChatMessage, me: string): string {
  const time = new Date(m.ts).toISOString().slice(11, 19);
  const who =
    m.identity === me ? env.out.paint('good', m.identity) : env.out.paint('bold', m.identity);
  return `[${time}] ${who}: ${m.text.replace(/\p{Cc}/gu, '\uFFFD')}\n`;
}
