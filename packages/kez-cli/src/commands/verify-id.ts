// kez verify id SUBJECT — the account's proof, its identity's sigchain, and every account
// that chain claims, each with its status.
import { join } from 'node:path';
import type * as Channels from '@kez/channels';
import { InvalidArgumentError } from 'commander';
import { channelRuntime, parseServerUrl } from '../channel-settings.js';
import { arg, command, parsedOption, repeatable } from '../command-definition.js';
import type { Env } from '../context.js';
import type { Outcome } from '../exit-codes.js';
import { renderSuperseded, supersededOf } from '../chain-summary.js';
import { statusLabel, statusWord } from '../format.js';
import { escapeTerminal } from '../terminal-text.js';
import { verifyShortCommand } from './verify-short.js';

export const verifyCommand = command({
  name: 'verify',
  description: 'verify accounts and identities over the network',
  subcommands: [
    command({
      name: 'id',
      examples: ['kez verify id github:alice', 'kez verify id kez:id:… --deadline 30'],
      description:
        "verify SUBJECT's proof, its identity's sigchain, and every account the chain claims",
      args: [
        arg(
          '<subject>',
          'an account, e.g. github:NAME, dns:example.com, ap:@user@host, nostr:npub1…',
        ),
      ],
      options: {
        sigServer: repeatable(
          '--sig-server <url>',
          'a sig-server to ask for the sigchain (repeatable; adds to channels.json sigServers)',
          parseServerUrl,
        ),
        deadline: parsedOption(
          '--deadline <seconds>',
          'give up on whatever is still being fetched after this long (default 60)',
          seconds,
        ),
      },
      run: async (env, args, opts) => verifyId(env, args[0], opts.sigServer, opts.deadline),
    }),
    verifyShortCommand,
  ],
});

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0) || n > 3600)
    throw new InvalidArgumentError('not a number of seconds (0–3600), e.g. --deadline 30');
  return n;
}

async function verifyId(
  env: Env,
  subject: string,
  sigServers: string[],
  deadlineSeconds?: number,
): Promise<Outcome> {
  const rt = await channelRuntime(env);
  try {
    const result = await rt.ch.verifyIdentity(subject, {
      now: env.now,
      env: rt.cenv,
      registry: rt.registry,
      cache: rt.ch.fileHeadCache(join(env.store.home, 'heads.json')),
      // With no source named, @kez/channels asks the default homes (SPEC §10).
      sigServers: [...rt.config.sigServers, ...sigServers],
      ...(deadlineSeconds === undefined ? {} : { deadlineMs: Math.round(deadlineSeconds * 1000) }),
    });
    env.out.result(result, () => render(env, result));
    return result.status;
  } finally {
    await rt.cenv.close();
  }
}

/** "3 of 4 accounts valid; chain valid at seq 7": the whole result in one line. */
export function oneLine(r: Channels.IdentityResult): string {
  const valid = r.edges.filter((e) => e.status === 'valid').length;
  const accounts = `${valid} of ${r.edges.length} account${r.edges.length === 1 ? '' : 's'} valid`;
  if (!r.chain) return `${accounts}; no sigchain`;
  const at = r.chain.head ? ` at seq ${r.chain.head.seq}` : '';
  return `${accounts}; chain ${r.chain.status}${at}`;
}

/**
 * The human report, status first: the verdict and the subject, the one-line summary, then
 * the details. Every string that came from the network or a chain goes through t().
 */
function render(env: Env, r: Channels.IdentityResult): string {
  const out = env.out;
  const t = escapeTerminal;
  const lines = [
    `${statusWord(out, r.status, r.code)}  ${out.paint('bold', t(r.subject))}`,
    `  ${oneLine(r)}`,
    `  ${t(r.reason)}`,
  ];
  if (r.deadline.hit)
    lines.push(
      out.paint(
        'warn',
        `  the ${r.deadline.ms / 1000} s deadline was hit: what was still being fetched is unreachable (timeout)`,
      ),
    );
  if (r.identity) {
    lines.push('', `identity ${t(r.identity)}`);
    if (r.chain) {
      const head = r.chain.head ? `, head seq ${r.chain.head.seq}` : '';
      lines.push(
        `  sigchain ${statusWord(out, r.chain.status, r.chain.code)}${head}${r.chain.status === 'valid' ? '' : `: ${t(r.chain.reason)}`}`,
      );
      for (const line of renderSuperseded(supersededOf(r.chain.evidence)))
        lines.push(`  ${out.paint('warn', line)}`);
      for (const s of r.chain.sources)
        lines.push(
          out.paint(
            'dim',
            `    source ${t(s.locator)}: ${s.status}${s.code ? ` (${s.code})` : ''}${s.head ? `, seq ${s.head.seq}` : ''}`,
          ),
        );
    }
    // Each judged on its own proof and chain (SPEC §10); none of them changes the verdict above.
    const others = r.identities.filter((i) => i.identity !== r.identity);
    if (others.length > 0)
      lines.push(out.paint('warn', `  other identities' proofs at ${t(r.subject)}'s place:`));
    for (const i of others)
      lines.push(
        out.paint(
          'warn',
          `    ${t(i.identity)}  ${statusLabel(i.status, i.code)}${i.status === 'valid' ? '' : `: ${t(i.reason)}`}`,
        ),
      );
  }
  if (r.edges.length > 0) {
    lines.push('', 'accounts:');
    const width = Math.max(...r.edges.map((e) => t(e.subject).length));
    const statusWidth = Math.max(...r.edges.map((e) => statusLabel(e.status, e.code).length));
    r.edges.forEach((e, i) => {
      const branch = i === r.edges.length - 1 ? '└─' : '├─';
      const where = e.location
        ? ` ${t(e.location)}`
        : e.fetched
          ? ''
          : ' (decided by the chain; not fetched)';
      const stable = e.stable_id && e.stable_id !== e.location ? ` [${t(e.stable_id)}]` : '';
      lines.push(
        `${branch} ${statusWord(out, e.status, e.code, statusWidth)}  ${t(e.subject).padEnd(width)}${where}${stable}`,
      );
      if (e.status !== 'valid')
        lines.push(`${i === r.edges.length - 1 ? ' ' : '│'}    ${out.paint('dim', t(e.reason))}`);
    });
  }
  return lines.join('\n');
}
