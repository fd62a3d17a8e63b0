// kez key gen | import | list | show
import { arg, command, flag, option, requiredOption } from '../command-definition.js';
import type { Env } from '../context.js';
import { usageError } from '../errors.js';
import { fields, time } from '../format.js';
import { readStdinBounded, TooLargeError } from '../fs-safe.js';
import { defaultKeyName, generateRecord, recordFromSecret, suiteForAlg } from '../keyring.js';
import { checkKeyName, type KeyRecord } from '../store.js';

const keyName = option('--name <name>', 'the key name', 'default');

export const keyCommand = command({
  name: 'key',
  description: 'make, import and inspect keys',
  subcommands: [
    command({
      name: 'gen',
      examples: ['kez key gen', 'kez key gen --alg ed25519 --name laptop'],
      description: 'generate a new key (the first key becomes the default)',
      options: { alg: option('--alg <alg>', 'nostr (BIP-340) or ed25519', 'nostr'), name: keyName },
      run: async (env, _args, opts) => {
        const suite = suiteForAlg(opts.alg);
        const name = checkKeyName(opts.name);
        const rec = generateRecord(await env.core(), { name, suite, now: env.now });
        saveNewKey(env, rec);
      },
    }),
    command({
      name: 'import',
      examples: [
        'kez key import --alg nostr < secret.txt',
        'kez key import --alg ed25519 --name backup   # prompts without echo on a terminal',
      ],
      description:
        'import a secret key read from stdin, or typed at a prompt without echo when stdin is a terminal (nsec1… or 64 hex for nostr, 64 hex seed for ed25519)',
      options: { alg: requiredOption('--alg <alg>', 'nostr (BIP-340) or ed25519'), name: keyName },
      run: async (env, _args, opts) => {
        const suite = suiteForAlg(opts.alg);
        const name = checkKeyName(opts.name);
        env.store.assertKeyFree(name); // before reading the secret
        const core = await env.core();
        const input = process.stdin.isTTY ? await promptSecret() : readSecretFromStdin();
        const secret = parseSecret(core, suite, input);
        let rec: KeyRecord;
        try {
          rec = recordFromSecret(core, { name, suite, secret, now: env.now });
        } catch {
          // Never echo the input: it is a secret.
          throw usageError(
            `the secret on stdin is not a valid ${opts.alg} secret key`,
            secretHint(suite),
            'bad_secret',
          );
        }
        saveNewKey(env, rec);
      },
    }),
    command({
      name: 'list',
      examples: ['kez key list', 'kez --json key list'],
      description: 'list the stored keys',
      run: async (env) => {
        const def = env.store.readConfig().default_key;
        const keys = env.store.listKeys();
        env.out.result(
          {
            keys: keys.map((k) => ({
              name: k.name,
              suite: k.suite,
              key: k.key,
              default: k.name === def,
              created_at: k.created_at,
            })),
          },
          () => {
            if (keys.length === 0) return 'no keys yet: run `kez key gen`';
            const width = Math.max(...keys.map((k) => k.name.length));
            return keys
              .map(
                (k) =>
                  `${k.name === def ? '*' : ' '} ${k.name.padEnd(width)}  ${k.suite.padEnd(7)}  ${k.key}`,
              )
              .join('\n');
          },
        );
      },
    }),
    command({
      name: 'show',
      examples: ['kez key show', 'kez key show laptop --secret'],
      description: 'show a key id (the secret only with --secret)',
      args: [arg('[name]', 'the key name (default: the default key)')],
      options: { secret: flag('--secret', 'also print the secret key') },
      run: async (env, args, opts) => {
        const config = env.store.readConfig();
        const name = args[0] ?? defaultKeyName(env, 'or name a key: `kez key show NAME`');
        const rec = env.store.readKey(name);
        const doc: Record<string, unknown> = {
          name: rec.name,
          suite: rec.suite,
          key: rec.key,
          default: rec.name === config.default_key,
          created_at: rec.created_at,
        };
        const rows: Array<[string, string]> = [
          ['name', rec.name + (doc.default ? ' (default)' : '')],
          ['suite', rec.suite],
          ['key', rec.key],
          ['created', time(rec.created_at)],
        ];
        if (opts.secret) {
          doc.secret = rec.secret;
          rows.push(['secret', rec.secret]);
          if (rec.suite === 'bip340') {
            const core = await env.core();
            doc.nsec = core.nsecEncode(core.fromHex(rec.secret, 32));
            rows.push(['nsec', doc.nsec as string]);
          }
        }
        env.out.result(doc, () => fields(rows));
      },
    }),
  ],
});

function saveNewKey(env: Env, rec: KeyRecord): void {
  env.store.writeKey(rec);
  const config = env.store.readConfig();
  const isDefault = config.default_key === undefined;
  if (isDefault) env.store.writeConfig({ ...config, default_key: rec.name });
  const path = env.store.keyPath(rec.name);
  const next =
    config.identity === undefined
      ? `next: \`kez sigchain init${isDefault ? '' : ` --key ${rec.name}`}\` creates your identity with it`
      : `next: \`kez sigchain add-device ${rec.name}\` lets it sign for your identity`;
  env.out.result({ name: rec.name, suite: rec.suite, key: rec.key, default: isDefault, path }, () =>
    [
      rec.key,
      `saved the secret key to ${path} (mode 0600, readable only by you)${isDefault ? ', the default key' : ''}`,
      'back it up somewhere offline: whoever holds it can sign as you, and a lost key cannot be recovered from this store',
      next,
    ].join('\n'),
  );
}

/**
 * Reads the secret from the terminal with echo off (raw mode: nothing typed is shown, not even
 * a mask), up to Enter. Ctrl-C aborts; the prompt goes to stderr.
 */
async function promptSecret(): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt: nothing typed after it can reach the screen.
  stdin.setRawMode(true);
  process.stderr.write('secret key (input hidden), then Enter: ');
  const chars: string[] = [];
  stdin.resume();
  let aborted = false;
  try {
    await new Promise<void>((resolve) => {
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            return resolve();
          }
          if (ch === '\u0003') {
            aborted = true;
            stdin.off('data', onData);
            return resolve();
          }
          if (ch === '\u007f' || ch === '\b') chars.pop();
          else if (chars.length < 4096) chars.push(ch);
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
  if (aborted)
    throw usageError('interrupted: no key imported', 'run it again to import', 'no_secret');
  const text = chars.join('').trim();
  if (text === '')
    throw usageError(
      'no secret given',
      'type or paste the secret at the prompt, or pipe it in: `kez key import --alg nostr < secret.txt`',
      'no_secret',
    );
  return text;
}

function readSecretFromStdin(): string {
  let text: string;
  try {
    text = readStdinBounded(4096).toString('utf8').trim();
  } catch (e) {
    if (e instanceof TooLargeError)
      throw usageError(
        'stdin holds more than a secret key',
        'pipe in only the secret (nsec1… or 64 hex digits)',
        'bad_secret',
      );
    throw e;
  }
  if (text === '')
    throw usageError(
      'no secret on stdin',
      'pipe the secret in, e.g. `kez key import --alg nostr < secret.txt`',
      'no_secret',
    );
  return text;
}

function parseSecret(
  core: Awaited<ReturnType<Env['core']>>,
  suite: 'ed25519' | 'bip340',
  text: string,
): Uint8Array {
  try {
    if (suite === 'bip340' && text.toLowerCase().startsWith('nsec1'))
      return core.nsecDecode(text.toLowerCase());
    if (/^[0-9a-fA-F]{64}$/.test(text)) return core.fromHex(text.toLowerCase(), 32);
  } catch {
    // fall through: reported below without echoing the input
  }
  throw usageError(
    `stdin does not hold a ${suite === 'bip340' ? 'nostr' : 'ed25519'} secret key`,
    secretHint(suite),
    'bad_secret',
  );
}

function secretHint(suite: 'ed25519' | 'bip340'): string {
  return suite === 'bip340'
    ? 'a nostr secret is nsec1… or 64 hex digits (a scalar 1 ≤ d < n)'
    : 'an ed25519 secret is the 32-byte seed as 64 hex digits';
}
