// kez publish SUBJECT — puts the live claim for SUBJECT where only that account can write:
// a gist (GITHUB_TOKEN), the Mastodon profile field (MASTODON_TOKEN; a short proof, SPEC §5.2,
// since the field keeps 255 characters), a Bluesky proof record and the short proof in the
// profile description, a nostr event signed by the account's own key from the store (each
// relay's answer reported), a profile text through the service's API with the token the plugin
// names (GITLAB_TOKEN, GITEA_TOKEN, DISCOURSE_API_KEY); for dns it prints the TXT record to add
// (the short proof), and where kez cannot write (or has no token) it prints what to paste where.
// Tokens are passed to the service only; they are never printed or logged.
import type { PasteInstructions, PublishResult } from '@kez/channels';
import type { Claim, Subject } from '@kez/core';
import { join } from 'node:path';
import { arg, command, flag } from '../command-definition.js';
import type { Env } from '../context.js';
import { localError } from '../errors.js';
import type { Outcome } from '../exit-codes.js';
import { shortProofHome } from '../homes.js';
import { loadLocalChain, parseSubjectArg } from '../local-chain.js';
import { channelRuntime, type ChannelSettings } from '../channel-settings.js';

export const publishCommand = command({
  name: 'publish',
  examples: ['kez publish github:alice', 'kez publish nostr:npub1… --nip39'],
  description:
    'publish the live claim for SUBJECT at the account (gist, profile field, nostr event), or print its DNS record or what to paste where',
  args: [arg('<subject>', 'an account your sigchain claims, e.g. github:NAME')],
  options: {
    nip39: flag(
      '--nip39',
      "for a nostr SUBJECT: publish the identity's verified accounts as its NIP-39 external identities (kind 10011), so nostr clients show them",
    ),
  },
  run: async (env, args, opts) => (opts.nip39 ? publishNip39(env, args[0]) : publish(env, args[0])),
});

/** The newest claim for `subject` that the local chain has not revoked. */
function liveClaim(
  claims: Iterable<{ claim: Claim; seq: number; revoked?: unknown }>,
  subject: string,
): Claim | undefined {
  let found: { claim: Claim; seq: number } | undefined;
  for (const c of claims)
    if (c.claim.subject === subject && !c.revoked && (!found || c.seq > found.seq)) found = c;
  return found?.claim;
}

function tokenFor(
  env: Env,
  channel: string,
  subjectId: string,
  settings: ChannelSettings,
  tokenEnv: string | undefined,
): string | undefined {
  if (tokenEnv) return env.vars[tokenEnv] || undefined;
  if (channel === 'github') return settings.tokens.github;
  if (channel === 'ap') return settings.tokens.mastodon;
  if (channel === 'bluesky') return env.vars.BLUESKY_APP_PASSWORD || undefined;
  if (channel === 'nostr') return nostrKey(env, subjectId);
  return undefined;
}

/**
 * dns: kez cannot write the zone, so it prints the record. The short proof (SPEC §5.2) fits one
 * TXT character-string, so the value goes as it is into a provider's single-value form (which
 * would keep quotes as part of it, SPEC §10); the zone-file line quotes it.
 */
function printDnsRecord(env: Env, subject: Subject, value: string, claim: string): Outcome {
  const name = `_kez.${subject.id}`;
  const zoneLine = `${name}. 3600 IN TXT "${value}"`;
  const nextStep = `kez sigchain publish, then kez verify id ${subject.text}`;
  env.out.result(
    {
      subject: subject.text,
      channel: 'dns',
      name,
      type: 'TXT',
      value,
      zone_line: zoneLine,
      claim,
      next_step: nextStep,
    },
    () =>
      [
        `Add a TXT record named ${name} to the zone of ${subject.id}.`,
        '',
        "In a provider's form, paste this value as it is (no quotes):",
        `  ${value}`,
        '',
        'In a zone file:',
        `  ${zoneLine}`,
        '',
        `Then run \`kez sigchain publish\` (the short proof counts once the chain holds the claim) and \`kez verify id ${subject.text}\`.`,
      ].join('\n'),
  );
  return 'valid';
}

/** A nostr account's own secret key from the store: its events must be signed by it. */
function nostrKey(env: Env, subjectId: string): string {
  const rec = env.store.findKeyById(`nostr:${subjectId}`);
  if (!rec)
    throw localError(
      'no_key',
      `the key of nostr:${subjectId} is not in this store`,
      'import it with `kez key import --alg nostr --name NAME` (nsec on stdin)',
    );
  return rec.secret;
}

async function publish(env: Env, input: string): Promise<Outcome> {
  const chain = await loadLocalChain(env);
  const core = chain.core;
  const subjectText = parseSubjectArg(core, input);
  const subject = core.parseSubject(subjectText);
  const claim = liveClaim(chain.state.claims.values(), subject.text);
  if (!claim) {
    throw localError(
      'no_claim',
      `the sigchain has no live claim for ${subject.text}`,
      `run \`kez sigchain add ${subject.text}\` first`,
    );
  }
  // The same link as `kez claim --format short`.
  const short = core.formatShortProof(chain.identity, shortProofHome(core, chain.homes));
  if (subject.channel === 'dns') return printDnsRecord(env, subject, short, core.objectHash(claim));
  const compact = await core.encodeCompact(claim);
  const rt = await channelRuntime(env);
  try {
    const plugin = rt.registry.plugin(subject.channel);
    const tokenEnv = plugin.publishToken?.env;
    const token = tokenFor(env, subject.channel, subject.id, rt.settings, tokenEnv);
    const request = {
      subject,
      claim,
      compact,
      markdown: core.encodeMarkdown(claim),
      // The same link as `kez claim --format short`.
      short: core.formatShortProof(chain.identity, shortProofHome(core, chain.homes)),
      token,
      now: env.now,
    };
    if (plugin.paste && (!plugin.publish || (tokenEnv && !token)))
      return printPaste(env, plugin.paste(request), subject.text, tokenEnv);
    if (!plugin.publish)
      throw localError(
        'no_publish',
        `kez cannot publish to ${subject.channel}`,
        'publish the claim by hand: `kez claim` prints it in every encoding',
      );
    env.out.progress(`publishing the claim for ${subject.text}…`);
    let published: PublishResult;
    try {
      published = await plugin.publish(request, rt.cenv);
    } catch (e) {
      // The service refused for a reason the user fixes at the account (e.g. every Mastodon
      // profile field in use): a local problem with the plugin's hint, not a retryable one.
      if (e instanceof core.KezError && typeof e.evidence.hint === 'string')
        throw localError('publish_refused', e.message, e.evidence.hint);
      // A missing or refused credential keeps the CLI's hint on how to set it.
      if (e instanceof core.KezError && e.code !== 'not_authorized') throw e;
      throw localError(
        'publish_failed',
        `cannot publish to ${subject.channel}: ${(e as Error).message}`,
        plugin.publishToken
          ? `set ${plugin.publishToken.env} (${plugin.publishToken.hint})`
          : subject.channel === 'github'
            ? 'set GITHUB_TOKEN (a token with the gist scope)'
            : subject.channel === 'ap'
              ? 'set MASTODON_TOKEN (an access token with write:accounts)'
              : 'check the account and token',
      );
    }
    const { location, attempts } = published;
    env.out.result(
      {
        subject: subject.text,
        channel: subject.channel,
        location,
        claim: core.objectHash(claim),
        ...(attempts ? { relays: attempts } : {}),
      },
      () =>
        [
          `published ${subject.text} at ${location}`,
          // Several relays: which took it, and why the others did not.
          ...(attempts ?? []).map(
            (a) =>
              `  ${a.accepted ? 'accepted' : 'refused '} ${a.relay}${a.accepted ? '' : `: ${a.reason}`}`,
          ),
          `check it with \`kez verify id ${subject.text}\``,
        ].join('\n'),
    );
    return 'valid';
  } finally {
    await rt.cenv.close();
  }
}

/** Where kez cannot write the proof: the page, the field and the exact text to paste. */
function printPaste(
  env: Env,
  p: PasteInstructions,
  subject: string,
  tokenEnv: string | undefined,
): Outcome {
  env.out.result({ subject, paste: p, ...(tokenEnv ? { token_env: tokenEnv } : {}) }, () =>
    [
      `Paste this into "${p.field}" at ${p.url}${p.limit ? ` (the field keeps ${p.limit} characters)` : ''}:`,
      '',
      `  ${p.text}`,
      '',
      ...(p.alternative
        ? [
            `or paste this into "${p.alternative.field}" at ${p.alternative.url}:`,
            '',
            `  ${p.alternative.text}`,
            '',
          ]
        : []),
      ...(tokenEnv ? [`(or set ${tokenEnv} and kez writes it)`] : []),
      `then: \`kez sigchain publish\`, and check it with \`kez verify id ${subject}\``,
    ].join('\n'),
  );
  return 'valid';
}

/**
 * kez publish nostr:NPUB --nip39: verify id from the nostr account, then a kind 10011 event
 * signed by its key (from the store) naming every other account found valid, with where its
 * proof lives. Only verified accounts are listed: the event is what clients show as badges.
 */
async function publishNip39(env: Env, input: string): Promise<Outcome> {
  const chain = await loadLocalChain(env);
  const subject = chain.core.parseSubject(parseSubjectArg(chain.core, input));
  if (subject.channel !== 'nostr')
    throw localError(
      'not_nostr',
      `--nip39 publishes from a nostr account, not ${subject.text}`,
      'give the nostr:npub1… account your chain claims, whose key is in this store',
    );
  const secret = nostrKey(env, subject.id);
  const rt = await channelRuntime(env);
  try {
    const result = await rt.ch.verifyIdentity(subject.text, {
      now: env.now,
      env: rt.cenv,
      registry: rt.registry,
      cache: rt.ch.fileHeadCache(join(env.store.home, 'heads.json')),
      sigServers: rt.config.sigServers,
    });
    if (result.status !== 'valid' || result.identity !== chain.identity)
      throw localError(
        'not_verified',
        `${subject.text} does not verify as this identity (${result.status}${result.code ? `: ${result.code}` : ''})`,
        `publish its proof (\`kez publish ${subject.text}\`) and the chain (\`kez sigchain publish\`), then retry`,
      );
    const accounts = result.edges
      .filter((e) => e.status === 'valid' && e.subject !== subject.text)
      .map((e) => ({ subject: e.subject, proof: e.location ?? e.subject }));
    env.out.progress(`publishing ${accounts.length} account(s) as NIP-39 identities…`);
    const published = await rt.ch.publishExternalIdentities(
      rt.ch.nostrSecret(secret),
      accounts,
      chain.identity,
      rt.cenv,
      env.now,
    );
    env.out.result(
      {
        subject: subject.text,
        kind: rt.ch.EXTERNAL_IDENTITIES_KIND,
        event: published.event,
        relays: published.relays,
        accounts: accounts.map((a) => a.subject),
      },
      () =>
        `published ${accounts.length} verified account(s) of ${subject.text} as NIP-39 identities (kind ${rt.ch.EXTERNAL_IDENTITIES_KIND}) to ${published.relays.join(', ')}`,
    );
    return 'valid';
  } finally {
    await rt.cenv.close();
  }
}
