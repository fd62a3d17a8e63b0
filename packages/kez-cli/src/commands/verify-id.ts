// kez verify id SUBJECT — the account's proof, its identity's sigchain, and every account
// that chain claims, each with its status.
import { join } from 'node:path';
import type * as Channels from '@kez/channels';
import { channelRuntime, parseServerUrl } from '../channel-settings.js';
import { arg, command, repeatable } from '../command-definition.js';
import type { Env } from '../context.js';
import type { Outcome } from '../exit-codes.js';
import { statusWord } from '../format.js';

export const verifyCommand = command({
  name: 'verify',
  description: 'verify accounts and identities over the network',
  subcommands: [
    command({
      name: 'id',
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
      },
      run: async (env, args, opts) => verifyId(env, args[0], opts.sigServer),
    }),
  ],
});

async function verifyId(env: Env, subject: string, sigServers: string[]): Promise<Outcome> {
  const rt = await channelRuntime(env);
  try {
    const result = await rt.ch.verifyIdentity(subject, {
      now: env.now,
      env: rt.cenv,
      registry: rt.registry,
      cache: rt.ch.fileHeadCache(join(env.store.home, 'heads.json')),
      sigServers: [...rt.config.sigServers, ...sigServers],
    });
    env.out.result(result, () => render(env, result));
    return result.status;
  } finally {
    await rt.cenv.close();
  }
}

function render(env: Env, r: Channels.IdentityResult): string {
  const out = env.out;
  const lines = [
    `${out.paint('bold', r.subject)}  ${statusWord(out, r.status, r.code)}`,
    `  ${r.reason}`,
  ];
  if (r.identity) {
    lines.push('', `identity ${r.identity}`);
    if (r.chain) {
      const head = r.chain.head ? `, head seq ${r.chain.head.seq}` : '';
      lines.push(
        `  sigchain ${statusWord(out, r.chain.status, r.chain.code)}${head}${r.chain.status === 'valid' ? '' : `: ${r.chain.reason}`}`,
      );
      for (const s of r.chain.sources)
        lines.push(
          out.paint(
            'dim',
            `    source ${s.locator}: ${s.status}${s.code ? ` (${s.code})` : ''}${s.head ? `, seq ${s.head.seq}` : ''}`,
          ),
        );
    }
    if (r.other_identities.length > 0)
      lines.push(
        out.paint(
          'warn',
          `  other identities also claim ${r.subject}: ${r.other_identities.join(', ')}`,
        ),
      );
  }
  if (r.edges.length > 0) {
    lines.push('', 'accounts:');
    const width = Math.max(...r.edges.map((e) => e.subject.length));
    r.edges.forEach((e, i) => {
      const branch = i === r.edges.length - 1 ? '└─' : '├─';
      const where = e.location
        ? ` ${e.location}`
        : e.fetched
          ? ''
          : ' (decided by the chain; not fetched)';
      const stable = e.stable_id && e.stable_id !== e.location ? ` [${e.stable_id}]` : '';
      lines.push(
        `${branch} ${e.subject.padEnd(width)}  ${statusWord(out, e.status, e.code)}${where}${stable}`,
      );
      if (e.status !== 'valid')
        lines.push(`${i === r.edges.length - 1 ? ' ' : '│'}    ${out.paint('dim', e.reason)}`);
    });
  }
  return lines.join('\n');
}
