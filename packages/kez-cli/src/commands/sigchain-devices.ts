// kez sigchain request-device (on the new device) | approve-device (on the primary): a device
// joins by its own signed request (SPEC §6.9), so no secret is ever copied between machines.
import type { DeviceRequest } from '@kez/core';
import { arg, command, option, requiredOption } from '../command-definition.js';
import type { Env } from '../context.js';
import type { KezCore } from '../core.js';
import { CliError, usageError } from '../errors.js';
import type { Outcome } from '../exit-codes.js';
import { generateRecord, signerFor } from '../keyring.js';
import { CLAIM_INPUT_LIMIT } from '../limits.js';
import { appendEvent, build, loadLocalChain, primarySigner, signingTime } from '../local-chain.js';
import { checkKeyName, type KeyRecord } from '../store.js';
import { readInput } from '../user-files.js';

export const requestDeviceCommand = command({
  name: 'request-device',
  examples: ['kez sigchain request-device --identity kez:id:… --name "my phone"'],
  description:
    "on a new device: make (or reuse) this store's key and print a request to join IDENTITY, for the primary to approve",
  options: {
    identity: requiredOption('--identity <id>', 'the identity to join (kez:id:…)'),
    name: option('--name <text>', 'a name for the device (at most 64 bytes)'),
    key: option('--key <name>', 'the device key (default: the default key, made if missing)'),
  },
  run: async (env, _args, opts) => {
    const core = await env.core();
    if (!core.isIdentityId(opts.identity))
      throw usageError(
        `'${opts.identity}' is not an identity id`,
        'an identity id looks like kez:id:<64 hex>; `kez sigchain show` prints it on the primary',
        'bad_identity',
      );
    env.store.lock();
    const rec = deviceKey(env, core, opts.key);
    const p: Parameters<typeof core.createDeviceRequest>[0] = {
      identity: opts.identity,
      created_at: signingTime(env, core),
    };
    if (opts.name !== undefined) p.name = opts.name;
    const request = build(core, 'make the device request', () =>
      core.createDeviceRequest(p, signerFor(core, rec)),
    );
    const text = await core.encode(request, 'compact');
    env.out.result({ request: text, key: rec.key, identity: opts.identity }, () =>
      [
        text,
        `on the primary: \`kez sigchain approve-device ${text.slice(0, 16)}…\` (the whole line), within 7 days`,
      ].join('\n'),
    );
  },
});

export const approveDeviceCommand = command({
  name: 'approve-device',
  examples: ['kez sigchain approve-device kez:z1:…', 'kez sigchain approve-device request.txt'],
  description: 'on the primary: add the device that made REQUEST (from `request-device`)',
  args: [arg('<request>', 'the request (kez:z1:…), a file holding it, or - for stdin')],
  run: async (env, args) => {
    const chain = await loadLocalChain(env);
    const { core } = chain;
    const createdAt = signingTime(env, core);
    const request = readRequest(core, args[0], createdAt);
    if (request.identity !== chain.identity)
      throw new CliError(
        'invalid',
        `the request asks to join ${request.identity}, not this store's identity ${chain.identity}`,
        'check the --identity given to `kez sigchain request-device` on the device',
        'identity_mismatch',
      );
    const event = build(core, 'approve the device', () =>
      core.approveDevice(
        chain.state,
        { request, created_at: createdAt },
        primarySigner(env, chain),
      ),
    );
    appendEvent(env, chain, event);
    env.out.result(
      { device: request.key, name: request.name ?? null, seq: event.seq, identity: chain.identity },
      () =>
        [
          `added device ${request.key}${request.name ? ` "${request.name}"` : ''} at seq ${event.seq}`,
          'next: `kez sigchain publish`; then the device can sign claims once it holds the chain (`kez sigchain export` here, `kez sigchain import FILE` there)',
        ].join('\n'),
    );
  },
});

/** --key NAME (made if missing), else the store's default key, else a new default key. */
function deviceKey(env: Env, core: KezCore, name: string | undefined): KeyRecord {
  const config = env.store.readConfig();
  const chosen = checkKeyName(name ?? config.default_key ?? 'default');
  if (env.store.hasKey(chosen)) return env.store.readKey(chosen);
  const rec = generateRecord(core, { name: chosen, suite: 'bip340', now: env.now });
  env.store.writeKey(rec);
  if (config.default_key === undefined) env.store.writeConfig({ ...config, default_key: chosen });
  return rec;
}

/** The request, verified and not expired at the approval time (SPEC §6.9), or an error that says why. */
function readRequest(core: KezCore, spec: string, at: number): DeviceRequest {
  const text = spec.startsWith('kez:') ? spec : readInput(spec, CLAIM_INPUT_LIMIT).text;
  if (text === undefined)
    throw new CliError(
      'invalid',
      'the request is not UTF-8 text',
      'pass the kez:z1:… line',
      'malformed',
    );
  try {
    return core.readDeviceRequest(core.decode(text.trim()).object, { now: at }).request;
  } catch (e) {
    const v = core.verdictOf(e);
    throw new CliError(
      v.status as Outcome,
      `the device request is ${v.status}: ${v.reason}`,
      v.code === 'expired'
        ? 'a request is good for 7 days: run `kez sigchain request-device` on the device again'
        : 'pass the whole kez:z1:… line printed by `kez sigchain request-device`',
      v.code ?? v.status,
    );
  }
}
