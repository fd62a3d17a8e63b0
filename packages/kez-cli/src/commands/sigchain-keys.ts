// kez sigchain rotate | recover | revoke-device — the key changes of SPEC §6.3, each saying
// what becomes of the claims (§6.2 retirements). Subcommands of the `sigchain` group.
import type { ChainEvent, ChainState } from '@kez/core';
import { channelRuntime } from '../channel-settings.js';
import { renderSuperseded, supersededOf } from '../chain-summary.js';
import { arg, command, negatable, parsedOption } from '../command-definition.js';
import type { Env } from '../context.js';
import { CliError, localError, usageError } from '../errors.js';
import type { Outcome } from '../exit-codes.js';
import { shortHash } from '../format.js';
import { generateRecord, signerFor } from '../keyring.js';
import {
  appendEvent,
  applyChecked,
  build,
  type LocalChain,
  loadLocalChain,
  parseSeq,
  primaryRecord,
  primarySigner,
  signingTime,
} from '../local-chain.js';
import type { KeyRecord } from '../store.js';

const compromisedSince = parsedOption(
  '--compromised-since <seq>',
  'the key was in other hands from this seq on: what it signed from there is revoked (key_compromised)',
  parseSeq,
);
const precommit = negatable('--no-precommit', 'do not generate and commit to the following key');

export const rotateCommand = command({
  name: 'rotate',
  examples: ['kez sigchain rotate', 'kez sigchain rotate --compromised-since 7'],
  description: 'rotate the primary key to NAME.next; the old key stays as NAME.old-<seq>',
  options: { precommit, compromisedSince },
  run: async (env, _args, opts) => rotate(env, opts.precommit, opts.compromisedSince),
});

export const recoverCommand = command({
  name: 'recover',
  examples: ['kez sigchain recover', 'kez sigchain recover --compromised-since 5'],
  description:
    'lost or stolen primary key: the committed key NAME.next alone makes itself primary, superseding any branch the old key made',
  options: { precommit, compromisedSince },
  run: async (env, _args, opts) => recover(env, opts.precommit, opts.compromisedSince),
});

export const revokeDeviceCommand = command({
  name: 'revoke-device',
  examples: [
    'kez sigchain revoke-device phone',
    'kez sigchain revoke-device 1a2b3c4d   # a unique key-id prefix (8+ hex)',
  ],
  description: 'revoke a device key (by key name, key id, device name or a unique key-id prefix)',
  args: [
    arg('<key>', 'a stored key name, a key id or its prefix (8+ hex digits), or a device name'),
  ],
  options: { compromisedSince },
  run: async (env, args, opts) => {
    const chain = await loadLocalChain(env);
    const { core } = chain;
    const device = deviceKeyId(env, chain, args[0]);
    const since = checkSince(chain, opts.compromisedSince);
    const p: Parameters<typeof core.revokeDevice>[1] = {
      device,
      created_at: signingTime(env, core),
    };
    if (since !== undefined) p.compromisedSince = since;
    const event = build(core, 'revoke the device', () =>
      core.revokeDevice(chain.state, p, primarySigner(env, chain)),
    );
    appendEvent(env, chain, event);
    // SPEC §6.2: without a declaration the device's retirement starts at this event.
    const fx = claimEffects(chain.state, device, since ?? event.seq, since !== undefined);
    env.out.result({ revoked_device: device, seq: event.seq, ...fx.doc }, () =>
      [`revoked device ${device}`, ...fx.lines].join('\n'),
    );
  },
});

/** --compromised-since N is 1 ≤ N ≤ the new event's seq (SPEC §6.3). */
function checkSince(chain: LocalChain, since: number | undefined): number | undefined {
  const seq = chain.state.head.seq + 1;
  if (since !== undefined && (since < 1 || since > seq))
    throw usageError(
      `--compromised-since ${since} is outside 1–${seq}`,
      'give the first seq the key may have signed against you; `kez sigchain show` lists the events',
      'bad_seq',
    );
  return since;
}

/**
 * What a retirement of `key` since `since` does to the claims it signed and (for a compromised
 * primary) the devices it added: the human lines and the --json members.
 */
function claimEffects(state: ChainState, key: string, since: number, compromised: boolean) {
  // Only a compromise declaration undoes claims made before the event (SPEC §6.2).
  const live = [...state.claims.entries()].filter(([, c]) => c.claim.key === key && !c.revoked);
  const revoked = live.filter(([, c]) => c.seq >= since);
  const kept = live.length - revoked.length;
  const devices = compromised
    ? [...state.devices.entries()]
        .filter(([, d]) => d.addedBy === key && d.seq >= since)
        .map(([k]) => k)
    : [];
  const lines = [
    `${kept} claim(s) signed by the old key stay valid (the chain anchors them)`,
    ...(revoked.length > 0
      ? [
          `claims the old key signed at seq ≥ ${since} are revoked (key_compromised):`,
          ...revoked.map(([h, c]) => `  ${c.claim.subject}  seq ${c.seq}  ${shortHash(h)}`),
        ]
      : []),
    ...(devices.length > 0
      ? [`devices the old key added since seq ${since} are revoked: ${devices.join(', ')}`]
      : []),
  ];
  return {
    lines,
    doc: {
      claims_kept: kept,
      claims_revoked: revoked.map(([hash, c]) => ({ hash, subject: c.claim.subject, seq: c.seq })),
      devices_revoked: devices,
    },
  };
}

async function rotate(env: Env, withNext: boolean, since: number | undefined): Promise<void> {
  const chain = await loadLocalChain(env);
  const { core, state } = chain;
  checkSince(chain, since);
  const createdAt = signingTime(env, core);
  const old = primaryRecord(env, chain);
  const base = old.name;
  const nextName = `${base}.next`;
  const seq = state.head.seq + 1;
  let incoming = env.store.hasKey(nextName) ? env.store.readKey(nextName) : undefined;
  if (!incoming && state.next !== undefined) {
    throw localError(
      'no_key',
      `the identity is committed to a next key, but '${nextName}' is not in this store`,
      `import the committed key: \`kez key import --alg ${old.suite === 'bip340' ? 'nostr' : 'ed25519'} --name ${nextName}\` (secret on stdin)`,
    );
  }
  const incomingStored = incoming !== undefined;
  incoming ??= generateRecord(core, { name: nextName, suite: old.suite, now: env.now });
  // NAME.next-<seq> until promote() renames it NAME.next.
  const following = withNext
    ? generateRecord(core, { name: `${base}.next-${seq}`, suite: old.suite, now: env.now })
    : undefined;
  const p: Parameters<typeof core.rotateKey>[1] = {
    newSigner: signerFor(core, incoming),
    created_at: createdAt,
  };
  if (following) p.next = core.commitment(following.key);
  if (since !== undefined) p.compromisedSince = since;
  const event = build(core, 'rotate', () => core.rotateKey(state, p, signerFor(core, old)));
  applyChecked(env, chain, event);
  const oldName = promote(env, chain, event, { base, old, incoming, incomingStored, following });
  const fx = claimEffects(state, old.key, since ?? Number.POSITIVE_INFINITY, since !== undefined);
  env.out.result(
    {
      primary: incoming.key,
      key: base,
      old: { name: oldName, key: old.key },
      next_key: following ? nextName : null,
      seq,
      ...fx.doc,
    },
    () => [incoming.key, ...fx.lines].join('\n'),
  );
}

/**
 * Stores the chain with `event` (a rotation) and names the keys after it: NAME = primary,
 * NAME.next = committed key, NAME.old-<seq> = the former primary (when this store has it).
 * Every secret the new chain depends on is on disk before the chain is written; the renames
 * after it only tidy names. Returns the former primary's new name (null without one).
 */
function promote(
  env: Env,
  chain: LocalChain,
  event: ChainEvent,
  k: {
    base: string;
    old: KeyRecord | undefined;
    incoming: KeyRecord;
    incomingStored: boolean;
    following: KeyRecord | undefined;
  },
): string | null {
  const oldName = k.old ? `${k.base}.old-${event.seq}` : null;
  if (k.old && oldName) env.store.writeKey({ ...k.old, name: oldName });
  if (!k.incomingStored) env.store.writeKey(k.incoming);
  if (k.following) env.store.writeKey(k.following);
  appendEvent(env, chain, event);
  if (k.old) env.store.deleteKey(k.old.name);
  if (k.incoming.name !== k.base) env.store.renameKey(k.incoming.name, k.base);
  if (k.following) env.store.renameKey(k.following.name, `${k.base}.next`);
  return oldName;
}

async function recover(env: Env, withNext: boolean, since: number | undefined): Promise<Outcome> {
  const chain = await loadLocalChain(env);
  const { core, state } = chain;
  checkSince(chain, since);
  const createdAt = signingTime(env, core);
  const committed =
    state.next === undefined
      ? undefined
      : env.store.listKeys().find((k) => core.commitment(k.key) === state.next);
  if (!committed)
    throw localError(
      'no_key',
      state.next === undefined
        ? 'the chain commits to no next key: nothing can recover it'
        : 'the key the chain commits to (NAME.next, kept offline) is not in this store',
      state.next === undefined
        ? 'without a commitment the primary key alone decides; make one at every rotation (the default)'
        : 'import it: `kez key import --alg nostr|ed25519 --name NAME.next` (secret on stdin), then run recover again',
    );
  // The primary's file may be gone (that is the point); its name, else the committed key's, names the keys.
  const old = env.store.findKeyById(state.primary);
  const base = old?.name ?? committed.name.replace(/\.next$/, '');
  const seq = state.head.seq + 1;
  const remote = await homeEvents(env, chain);
  const following = withNext
    ? generateRecord(core, { name: `${base}.next-${seq}`, suite: committed.suite, now: env.now })
    : undefined;
  const p: Parameters<typeof core.recoverKey>[1] = { created_at: createdAt };
  if (following) p.next = core.commitment(following.key);
  if (since !== undefined) p.compromisedSince = since;
  const event = build(core, 'recover', () => core.recoverKey(state, p, signerFor(core, committed)));
  applyChecked(env, chain, event);
  // Everything the homes hold, with the recovery: the owner's branch must be the one that wins.
  const hash = core.objectHash(event);
  const merged = core.resolveChain([...chain.result.allEvents, ...remote.events, event], {
    now: env.now,
  });
  if (merged.status !== 'valid' || merged.state?.head.hash !== hash)
    throw new CliError(
      (merged.status === 'valid' ? 'fork' : merged.status) as Outcome,
      `the recovery would not win: ${merged.reason}`,
      'nothing was written; `kez sigchain show` shows the local chain, `kez verify id SUBJECT` what verifiers see',
      merged.code ?? 'fork',
    );
  const superseded = supersededOf(merged.evidence);
  // The store keeps the superseded branch too: `sigchain show` reports it as evidence.
  const known = merged.allEvents.filter((e) => core.objectHash(e) !== hash);
  const withBranches = { ...chain, result: { ...chain.result, allEvents: known } };
  const oldName = promote(env, withBranches, event, {
    base,
    old,
    incoming: committed,
    incomingStored: true,
    following,
  });
  const fx = claimEffects(
    state,
    state.primary,
    since ?? Number.POSITIVE_INFINITY,
    since !== undefined,
  );
  env.out.result(
    {
      identity: chain.identity,
      primary: committed.key,
      key: base,
      old: { name: oldName, key: state.primary },
      next_key: following ? `${base}.next` : null,
      seq,
      superseded,
      sources: remote.sources,
      ...fx.doc,
    },
    () =>
      [
        `recovered ${chain.identity}: the committed key ${committed.key} is primary from seq ${seq}`,
        ...fx.lines,
        ...(superseded.length > 0
          ? renderSuperseded(superseded)
          : ['no other branch was found at the homes']),
        ...remote.sources
          .filter((s) => s.error)
          .map((s) => `warning: ${s.error} (events ${s.url} holds, if any, were not seen)`),
        'next: `kez sigchain publish`, so verifiers see the recovery',
      ].join('\n'),
  );
  return 'valid';
}

/** Every event the identity's homes hold (a thief's branch included), and how each answered. */
async function homeEvents(env: Env, chain: LocalChain) {
  const rt = await channelRuntime(env);
  try {
    const answers = await Promise.all(
      chain.homes.map(async (url) => {
        const transport = rt.registry.transportFor(url);
        if (!transport) return { url, events: [] as ChainEvent[], error: 'no transport' };
        try {
          return { url, events: await transport.fetchChain(url, chain.identity, rt.cenv, env.now) };
        } catch (e) {
          return { url, events: [] as ChainEvent[], error: chain.core.verdictOf(e).reason };
        }
      }),
    );
    return {
      events: answers.flatMap((a) => a.events),
      sources: answers.map((a) => ({
        url: a.url,
        events: a.events.length,
        ...(a.error ? { error: a.error } : {}),
      })),
    };
  } finally {
    await rt.cenv.close();
  }
}

/**
 * The active device named by `input`: a stored key name, a key id, a device name (from
 * add-device --device-name), or a unique key-id prefix (8+ hex digits, or npub1 and 8+ more).
 */
function deviceKeyId(env: Env, chain: LocalChain, input: string): string {
  const devices = chain.state.devices;
  let id: string | undefined;
  if (env.store.hasKey(input)) id = env.store.readKey(input).key;
  else {
    try {
      id = chain.core.normalizeKeyId(input);
    } catch {
      id = undefined;
    }
  }
  if (id === undefined) {
    const byName = [...devices.entries()].filter(([, d]) => d.name === input).map(([k]) => k);
    const body = input.toLowerCase().replace(/^(nostr|ed25519):/, '');
    const prefix = /^[0-9a-f]{8,}$/.test(body) || /^npub1[02-9ac-hj-np-z]{8,}$/.test(body);
    const byPrefix = prefix
      ? [...devices.keys()].filter((k) => k.slice(k.indexOf(':') + 1).startsWith(body))
      : [];
    const found = byName.length > 0 ? byName : byPrefix;
    if (found.length > 1)
      throw usageError(
        `'${input}' names ${found.length} devices`,
        `name one by its key id: ${found.map((k) => `${k}${devices.get(k)?.name ? ` (${devices.get(k)!.name})` : ''}`).join(', ')}`,
        'ambiguous',
      );
    id = found[0];
    if (id === undefined)
      throw usageError(
        `'${input}' is neither a stored key name, a key id, a device name nor a key-id prefix (8+ hex digits) of an active device`,
        '`kez sigchain show` lists the devices; `kez key list` the stored keys',
        'bad_key',
      );
  }
  if (!devices.has(id))
    throw usageError(
      `${id} is not an active device of this identity`,
      '`kez sigchain show` lists the devices',
      'not_a_device',
    );
  return id;
}
