// kez publish SUBJECT — puts the live claim for SUBJECT where only that account can write:
// a gist (GITHUB_TOKEN), the Mastodon profile field (MASTODON_TOKEN; a short proof, SPEC §5.2,
// since the field keeps 255 characters), a Bluesky proof record and the short proof in the
// profile description, a nostr event signed by the account's own key from the store (each
// relay's answer reported); for dns it prints the TXT record to add (the short proof).
// Tokens are passed to the service only; they are never printed or logged.
import type { PublishResult } from '@kez/channels';
import type { Claim, Subject } from '@kez/core';
import { arg, command } from '../command-definition.js';
import type { Env } from '../context.js';
import { localError } from '../errors.js';
import type { Outcome } from '../exit-codes.js';
import { shortProofHome } from '../homes.js';
import { loadLocalChain, parseSubjectArg } from '../local-chain.js';
import { channelRuntime, type ChannelSettings } from '../channel-settings.js';

export const publishCommand = command({
  name: 'publish',
  examples: ['kez publish github:alice'],
  description:
    'publish the live claim for SUBJECT at the account (gist, profile field, nostr event) or print its DNS record',
  args: [arg('<subject>', 'an account your sigchain claims, e.g. github:NAME')],
  run: async (env, args) => publish(env, args[0]),
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
): string | undefined {
  if (channel === 'github') return settings.tokens.github;
  if (channel === 'ap') return settings.tokens.mastodon;
  if (channel === 'bluesky') return env.vars.BLUESKY_APP_PASSWORD || undefined;
  if (channel === 'nostr') {
    // The proof event is signed by the account's own key: it must be in the store.
    const rec = env.store.findKeyById(`nostr:${subjectId}`);
    if (!rec)
      throw localError(
        'no_key',
        `the key of nostr:${subjectId} is not in this store`,
        'import it with `kez key import --alg nostr --name NAME` (nsec on stdin)',
      );
    return rec.secret;
  }
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
    const request = {
      subject,
      claim,
      compact,
      markdown: core.encodeMarkdown(claim),
      // The same link as `kez claim --format short`.
      short: core.formatShortProof(chain.identity, shortProofHome(core, chain.homes)),
      now: env.now,
    };
    if (!plugin.publish && plugin.instructions) {
      const paste = plugin.instructions(request);
      env.out.result(
        {
          subject: subject.text,
          channel: subject.channel,
          ...paste,
          claim: core.objectHash(claim),
        },
        () =>
          `Put this at ${paste.where}, then run \`kez verify id ${subject.text}\`:\n\n${paste.value}` +
          (paste.alternative
            ? `\n\nor put this in ${paste.alternative.where}:\n\n${paste.alternative.value}`
            : ''),
      );
      return 'valid';
    }
    if (!plugin.publish)
      throw localError(
        'no_publish',
        `kez cannot publish to ${subject.channel}`,
        'publish the claim by hand: `kez claim` prints it in every encoding',
      );
    const token = tokenFor(env, subject.channel, subject.id, rt.settings);
    env.out.progress(`publishing the claim for ${subject.text}…`);
    let published: PublishResult;
    try {
      published = await plugin.publish({ ...request, token }, rt.cenv);
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
        subject.channel === 'github'
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
