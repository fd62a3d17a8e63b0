// kez sigchain publish [--server URL]… — appends every event a sig-server (or nostr relay)
// is missing from the local chain. A subcommand of the `sigchain` group (sigchain.ts).
import type { ChainEvent } from '@kez/core';
import { command, repeatable } from '../command-definition.js';
import type { Env } from '../context.js';
import { usageError } from '../errors.js';
import type { Outcome } from '../exit-codes.js';
import { type LocalChain, loadLocalChain } from '../local-chain.js';
import { channelRuntime, parseServerUrl } from '../channel-settings.js';

export const sigchainPublishCommand = command({
  name: 'publish',
  examples: ['kez sigchain publish', 'kez sigchain publish --server https://sig.example.com'],
  description:
    "send the local sigchain's missing events to sig-servers or nostr relays (default: channels.json sigServers, else the identity's homes)",
  options: {
    server: repeatable(
      '--server <url>',
      'a sig-server (https://…) or relay (wss://…); repeatable',
      parseServerUrl,
    ),
  },
  run: async (env, _args, opts) => publishChain(env, opts.server),
});

async function publishChain(env: Env, servers: string[]): Promise<Outcome> {
  const chain = await loadLocalChain(env);
  const rt = await channelRuntime(env);
  try {
    // An explicit choice (the flags, then the settings file) overrides the homes.
    const targets =
      servers.length > 0
        ? servers
        : rt.settings.config.sigServers?.length
          ? rt.settings.config.sigServers
          : chain.homes;
    if (targets.length === 0)
      throw usageError(
        'no sig-server to publish to',
        'pass --server URL, add a home (`kez sigchain homes --add URL`), or list sigServers in KEZ_HOME/channels.json',
      );
    const results = await Promise.all(
      targets.map(async (url) => {
        const transport = rt.registry.transportFor(url);
        if (!transport?.publishEvents)
          return {
            url,
            status: 'invalid' as const,
            code: 'malformed',
            reason: `no transport publishes to ${url}`,
          };
        try {
          // A server holding another event at a seq we have means two histories: sending ours
          // would only be refused past its head, and "0 added" would hide the split.
          const split = divergence(
            chain,
            await transport.fetchChain(url, chain.identity, rt.cenv, env.now),
            env.now,
          );
          if (split !== null) return { url, ...split };
          const { added } = await transport.publishEvents(
            url,
            chain.identity,
            chain.result.events, // the resolved path: a superseded branch is not ours to spread
            rt.cenv,
          );
          return { url, status: 'valid' as const, added };
        } catch (e) {
          const v = chain.core.verdictOf(e);
          return { url, status: v.status, code: v.code, reason: v.reason };
        }
      }),
    );
    const failed = results.find((r) => r.status !== 'valid');
    // Verifiers look for the chain at the locators its live claims name (and their own settings).
    const locators = [
      ...new Set(
        [...chain.state.claims.values()]
          .filter((c) => !c.revoked)
          .flatMap((c) => c.claim.locators ?? []),
      ),
    ];
    const unnamed = targets.filter((u) => !locators.includes(u));
    const where =
      unnamed.length === 0
        ? failed
          ? []
          : [
              `verifiers find the chain at the claims' locators: ${locators.join(', ')}; check an account with \`kez verify id SUBJECT\``,
            ]
        : [
            `verifiers find the chain at the claims' locators${locators.length ? ` (${locators.join(', ')})` : ' (none named)'} and at sig-servers in their own settings; to point them at ${unnamed.join(', ')}, add it as a home (\`kez sigchain homes --add URL\`): claims made after that name it`,
          ];
    env.out.result(
      { identity: chain.identity, head: chain.state.head.seq, servers: results, locators },
      () =>
        [
          ...results.map((r) =>
            'added' in r
              ? `${r.url}: ${r.added} event(s) added (head seq ${chain.state.head.seq})`
              : `${r.url}: ${r.status} (${r.code}): ${r.reason}${'hint' in r ? `\n  hint: ${r.hint}` : ''}`,
          ),
          ...where,
        ].join('\n'),
    );
    return failed ? failed.status : 'valid';
  } finally {
    await rt.cenv.close();
  }
}

/**
 * A `fork` report when the server's events and ours do not resolve (SPEC §6.8) to a path
 * through our head: then sending ours would only be refused, and "0 added" would hide the
 * split. A branch of the server's that ours supersedes (a recovery) is no split.
 */
function divergence(chain: LocalChain, held: ChainEvent[], now: number) {
  const { core } = chain;
  const merged = core.resolveChain([...chain.result.allEvents, ...held], { now });
  if (
    merged.status === 'valid' &&
    merged.events.some((e) => core.objectHash(e) === chain.state.head.hash)
  )
    return null;
  const ours = new Map(chain.result.events.map((e) => [e.seq, core.objectHash(e)]));
  const theirs = held
    .filter((e) => ours.has(e.seq) && core.objectHash(e) !== ours.get(e.seq))
    .sort((x, y) => x.seq - y.seq)[0];
  if (theirs === undefined) return null;
  return {
    status: 'fork' as const,
    code: 'fork',
    seq: theirs.seq,
    reason: `the server holds another event at seq ${theirs.seq} (${core.objectHash(theirs)}): this store and the server have different histories of ${chain.identity}, and verifiers that see both report fork`,
    hint: "nothing was sent. Keep one history: if the server's is right, `kez sigchain export` it from the store that made it and `kez sigchain import` it into a fresh store (--home DIR); `kez sigchain show` shows this one's",
  };
}
