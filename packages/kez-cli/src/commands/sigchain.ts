// kez sigchain init | add | revoke | add-device | show | verify | export | import (rotate,
// recover, revoke-device: sigchain-keys.ts; publish, homes: their own files)
import type { ChainResult } from '@kez/core';
import { arg, command, flag, negatable, option, repeatable } from '../command-definition.js';
import { checkHomeCount, defaultHomes, parseHome } from '../homes.js';
import type { Env } from '../context.js';
import { renderSummary, summarize } from '../chain-summary.js';
import { CliError, localError, usageError } from '../errors.js';
import type { Outcome } from '../exit-codes.js';
import { notUtf8, outFile, readInput, writeUserFile } from '../user-files.js';
import { generateRecord, namedOrDefault, signerFor, storeIdentity } from '../keyring.js';
import {
  appendEvent,
  build,
  buildClaim,
  claimSigner,
  liveClaim,
  loadLocalChain,
  claimOptions,
  subjectArg,
  primarySigner,
  signingTime,
  type LocalChain,
} from '../local-chain.js';
import { BUNDLE_LIMIT } from '../limits.js';
import { approveDeviceCommand, requestDeviceCommand } from './sigchain-devices.js';
import { sigchainHomesCommand } from './sigchain-homes.js';
import { recoverCommand, revokeDeviceCommand, rotateCommand } from './sigchain-keys.js';
import { sigchainPublishCommand } from './sigchain-publish.js';

export const sigchainCommand = command({
  name: 'sigchain',
  description: 'the local identity and its sigchain',
  subcommands: [
    command({
      name: 'init',
      examples: [
        'kez sigchain init',
        'kez sigchain init --key laptop --sig-server https://sig.example.com',
      ],
      description: 'create the identity: the genesis event (with a pre-rotation key by default)',
      options: {
        key: option('--key <name>', 'the primary key (default: the default key)'),
        precommit: negatable(
          '--no-precommit',
          'do not generate and commit to a next key NAME.next',
        ),
        sigServer: repeatable(
          '--sig-server <url>',
          'a sig-server home besides the default relays (repeatable)',
        ),
      },
      run: async (env, _args, opts) => {
        env.store.lock();
        const config = env.store.readConfig();
        if (config.identity !== undefined && env.store.readChain(config.identity) !== undefined) {
          throw localError(
            'identity_exists',
            `this store already holds identity ${config.identity}`,
            'use another store for a second identity (--home DIR or KEZ_HOME)',
          );
        }
        const core = await env.core();
        const homes = [
          ...new Set([...(await defaultHomes()), ...opts.sigServer.map((u) => parseHome(core, u))]),
        ];
        checkHomeCount(core, homes);
        const createdAt = signingTime(env, core);
        const rec = namedOrDefault(env, opts.key);
        const signer = signerFor(core, rec);
        const nextName = `${rec.name}.next`;
        const next = opts.precommit
          ? generateRecord(core, { name: nextName, suite: rec.suite, now: env.now })
          : undefined;
        if (next) env.store.assertKeyFree(nextName);
        const genesis = build(core, 'make the genesis event', () =>
          core.createGenesis(
            next
              ? { created_at: createdAt, next: core.commitment(next.key) }
              : { created_at: createdAt },
            signer,
          ),
        );
        const state = core.applyEvent(null, genesis, { now: env.now });
        // The committed key first: losing it after the chain names it would block rotation.
        if (next) env.store.writeKey(next);
        env.store.writeChain(state.identity, core.exportBundle([genesis]));
        env.store.writeConfig({ ...env.store.readConfig(), identity: state.identity, homes });
        const nextPath = next ? env.store.keyPath(next.name) : null;
        env.out.result(
          {
            identity: state.identity,
            primary: state.primary,
            key: rec.name,
            next_key: next?.name ?? null,
            next_key_path: nextPath,
            homes,
            head: state.head,
          },
          () =>
            [
              state.identity,
              `homes: ${homes.join(' ')}`,
              nextPath
                ? `the committed next key is ${nextPath}: keep a copy offline (it alone recovers the identity if the primary key is lost or stolen: \`kez sigchain recover\`)`
                : 'no next key committed (--no-precommit): a lost or stolen primary key cannot be recovered',
            ].join('\n'),
        );
      },
    }),

    command({
      name: 'add',
      examples: [
        'kez sigchain add github:alice',
        'kez sigchain add dns:example.com --expires-in 365d',
      ],
      description: 'make a claim for SUBJECT and append its add event; prints the claim hash',
      args: [subjectArg],
      options: claimOptions,
      run: async (env, args, opts) => {
        const chain = await loadLocalChain(env);
        const made = buildClaim(env, chain, args[0], opts);
        appendEvent(env, chain, made.event);
        env.out.result(
          {
            hash: made.hash,
            seq: made.event.seq,
            subject: made.claim.subject,
            identity: chain.identity,
            claim: made.claim,
          },
          () => made.hash,
        );
      },
    }),

    command({
      name: 'revoke',
      examples: [
        'kez sigchain revoke github:alice --reason "account closed"',
        'kez sigchain revoke 3f2a9c01   # a unique claim-hash prefix (8+ hex)',
      ],
      description:
        'revoke a claim (by claim hash or a unique prefix of 8+ hex digits, or the live claim of a subject)',
      args: [arg('<claim>', 'a claim hash, a unique hash prefix, or a subject')],
      options: {
        reason: option('--reason <text>', 'why (at most 256 bytes)'),
        key: option('--key <name>', 'the signing key (default: the primary key)'),
      },
      run: async (env, args, opts) => {
        const chain = await loadLocalChain(env);
        const { core } = chain;
        const hash = resolveClaim(chain, args[0]);
        const signer = claimSigner(env, chain, opts.key);
        const p: Parameters<typeof core.revokeClaim>[1] = {
          claim: hash,
          created_at: signingTime(env, core),
        };
        if (opts.reason !== undefined) p.reason = opts.reason;
        const event = build(core, 'revoke the claim', () =>
          core.revokeClaim(chain.state, p, signer),
        );
        appendEvent(env, chain, event);
        const subject = chain.state.claims.get(hash)?.claim.subject;
        env.out.result(
          { revoked: hash, subject, seq: event.seq },
          () => `revoked ${hash} (${subject})`,
        );
      },
    }),

    rotateCommand,
    recoverCommand,
    command({
      name: 'add-device',
      examples: [
        'kez key gen --name phone && kez sigchain add-device phone --device-name "my phone"',
      ],
      description: 'authorize another key (a device) to add and revoke claims',
      args: [arg('<keyname>', 'the stored key to authorize')],
      options: {
        deviceName: option('--device-name <text>', 'a label for the device (at most 64 bytes)'),
      },
      run: async (env, args, opts) => {
        const chain = await loadLocalChain(env);
        const { core } = chain;
        const deviceSigner = signerFor(core, env.store.readKey(args[0]));
        const p: Parameters<typeof core.addDevice>[1] = {
          deviceSigner,
          created_at: signingTime(env, core),
        };
        if (opts.deviceName !== undefined) p.name = opts.deviceName;
        const event = build(core, 'add the device', () =>
          core.addDevice(chain.state, p, primarySigner(env, chain)),
        );
        appendEvent(env, chain, event);
        env.out.result(
          { device: deviceSigner.keyId, name: opts.deviceName ?? null, seq: event.seq },
          () => deviceSigner.keyId,
        );
      },
    }),

    revokeDeviceCommand,
    requestDeviceCommand,
    approveDeviceCommand,
    command({
      name: 'show',
      examples: [
        'kez sigchain show',
        'kez sigchain show bundle.jsonl',
        'kez sigchain show - < bundle.jsonl',
      ],
      description:
        'status, identity, primary, devices and claims of the local chain or of a bundle',
      args: [arg('[file]', 'a bundle file, or - for stdin (default: the local chain)')],
      run: async (env, args) =>
        showBundle(env, args[0] === undefined ? await localBundle(env) : readBundle(args[0])),
    }),

    command({
      name: 'verify',
      examples: ['kez sigchain verify bundle.jsonl', 'kez sigchain verify - < bundle.jsonl'],
      description: 'verify a bundle; the exit code tells its status',
      args: [arg('<file>', 'a bundle file, or - for stdin')],
      run: async (env, args) => showBundle(env, readBundle(args[0])),
    }),

    command({
      name: 'export',
      examples: ['kez sigchain export --out chain.jsonl', 'kez sigchain export > chain.jsonl'],
      description: 'print the local chain as a bundle (SPEC §6.5 bytes)',
      options: {
        out: option('--out <file>', 'write the bundle to FILE instead of stdout (- for stdout)'),
        force: flag('--force', 'overwrite an existing --out FILE'),
      },
      run: async (env, _args, opts) => {
        const identity = env.store.readConfig().identity;
        const bundle = await localBundle(env);
        const out = outFile(opts.out);
        if (out !== undefined) {
          writeUserFile(out, bundle, opts.force === true);
          env.out.result({ identity, out, bytes: Buffer.byteLength(bundle) }, () => `wrote ${out}`);
        } else if (env.out.json) {
          env.out.result({ identity, bundle }, () => '');
        } else {
          env.out.raw(bundle);
        }
      },
    }),

    command({
      name: 'import',
      examples: ['kez sigchain import chain.jsonl', 'kez sigchain import - < chain.jsonl'],
      description: 'verify a bundle and store it (refuses invalid and forked chains)',
      args: [arg('<file>', 'a bundle file, or - for stdin')],
      run: async (env, args) => importBundle(env, readBundle(args[0])),
    }),
    sigchainPublishCommand,
    sigchainHomesCommand,
  ],
});

/** A claim named by its hash, a unique hash prefix (8+ hex digits), or its subject's live claim. */
export function resolveClaim(chain: LocalChain, input: string): string {
  const claims = chain.state.claims;
  const lower = input.toLowerCase();
  if (/^[0-9a-f]{1,7}$/.test(lower))
    throw usageError(
      `'${input}' is too short for a claim-hash prefix`,
      'give at least 8 hex digits of the hash, or the subject; `kez sigchain show` lists the claims',
      'bad_claim',
    );
  if (/^[0-9a-f]{8,64}$/.test(lower)) {
    const found = [...claims.keys()].filter((h) => h.startsWith(lower));
    if (found.length === 0)
      throw usageError(
        `no claim ${input} in the chain`,
        '`kez sigchain show` lists the claims and their hashes',
        'no_claim',
      );
    if (found.length > 1)
      throw usageError(
        `${input} is the start of ${found.length} claim hashes`,
        `give more digits: ${found.map((h) => `${h} (${claims.get(h)!.claim.subject})`).join(', ')}`,
        'ambiguous',
      );
    const hash = found[0]!;
    const c = claims.get(hash)!;
    if (c.revoked)
      throw usageError(
        `claim ${hash} is already revoked (at seq ${c.revoked.seq})`,
        '`kez sigchain show` lists the claims and their statuses',
        'already_revoked',
      );
    return hash;
  }
  return liveClaim(chain, input)[0];
}

async function localBundle(env: Env): Promise<string> {
  const identity = storeIdentity(env, 'run `kez sigchain init`, or give a bundle file');
  const text = env.store.readChain(identity);
  if (text === undefined)
    throw localError(
      'no_chain',
      `the sigchain of ${identity} is missing from ${env.store.home}`,
      'restore it with `kez sigchain import FILE`',
    );
  return text;
}

/** A bundle from FILE|-; undefined text means it was not UTF-8 (verified as malformed). */
function readBundle(spec: string): string | undefined {
  return readInput(spec, BUNDLE_LIMIT).text;
}

async function verifyBundle(env: Env, text: string | undefined): Promise<ChainResult> {
  const core = await env.core();
  if (text === undefined) return { ...notUtf8('bundle'), events: [], allEvents: [] };
  return core.verifyChain(text, { now: env.now });
}

async function showBundle(env: Env, text: string | undefined): Promise<Outcome> {
  const core = await env.core();
  const chain = await verifyBundle(env, text);
  const summary = summarize(core, chain, env.now);
  const names = new Map(safeKeyList(env).map((k) => [k.key, k.name]));
  env.out.result(summary, () => renderSummary(env.out, summary, names));
  return chain.status as Outcome;
}

/** Key names make the summary easier to read, but a store problem must not hide the chain. */
function safeKeyList(env: Env): Array<{ key: string; name: string }> {
  try {
    return env.store.listKeys();
  } catch {
    return [];
  }
}

async function importBundle(env: Env, text: string | undefined): Promise<void> {
  env.store.lock();
  const core = await env.core();
  const chain = await verifyBundle(env, text);
  if (chain.status !== 'valid' || chain.state === undefined) {
    throw new CliError(
      chain.status as Outcome,
      `refusing to import a ${chain.status} chain: ${chain.reason}`,
      'only a valid bundle can be stored; `kez sigchain verify FILE` shows why',
      chain.code ?? chain.status,
    );
  }
  const state = chain.state;
  const existing = env.store.readChain(state.identity);
  if (existing !== undefined) {
    const known = core.verifyChain(existing, { now: env.now });
    if (known.state) {
      const seen = core.compareHeads(
        { seq: known.state.head.seq, hash: known.state.head.hash },
        chain,
      );
      if (seen !== null) {
        throw new CliError(
          seen.status as Outcome,
          `refusing to import: ${seen.reason}`,
          `the stored chain (head seq ${known.state.head.seq}) is kept; compare the two with \`kez sigchain show FILE\``,
          seen.code ?? seen.status,
        );
      }
    }
  }
  env.store.writeChain(state.identity, core.exportBundle(chain.allEvents));
  // It becomes this store's identity only when none is set and this store can sign for it.
  const config = env.store.readConfig();
  const ours = safeKeyList(env).some((k) => k.key === state.primary || state.devices.has(k.key));
  const adopted = config.identity === undefined && ours;
  if (adopted) env.store.writeConfig({ ...config, identity: state.identity });
  env.out.result(
    {
      identity: state.identity,
      head: state.head,
      events: chain.events.length,
      local_identity: adopted || config.identity === state.identity,
    },
    () =>
      `imported ${state.identity} (head seq ${state.head.seq})${adopted ? " as this store's identity" : ''}`,
  );
}
