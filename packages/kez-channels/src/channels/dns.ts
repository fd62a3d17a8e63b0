// dns: TXT records at _kez.<domain> (SPEC §10, §8.4). The owner is the domain queried. A
// record that is not a compact claim is read for short proofs (SPEC §5.2).
import { KezError } from '@kez/core';
import { shortCandidates } from '../proofs.js';
import type { ChannelPlugin } from '../types.js';

/** TXT character-strings in presentation form, so the core DNS decoder applies the §8.4 rules. */
function presentation(strings: string[]): string {
  return strings.map((s) => `"${s}"`).join(' ');
}

/**
 * SPEC §10: a compact claim pasted with its quotes into a provider's single-value form arrives
 * with `"` inside the string. It is refused, never unquoted (a verifier judges what was
 * published), but told apart from no proof so the owner knows what to fix.
 */
function quotedPaste(name: string, text: string): KezError | undefined {
  if (!text.includes('"') || !text.includes('kez:z1:')) return undefined;
  return new KezError(
    'bad_encoding',
    `the TXT value at ${name} includes quote characters; paste it without them`,
    { name, hint: 'quoted_txt' },
  );
}

export const dnsPlugin: ChannelPlugin = {
  name: 'dns',
  async locate(subject, env) {
    const name = `_kez.${subject.id}`;
    env.progress?.(`dns: TXT ${name}`);
    const owner = { subject: subject.text };
    // One location for every record: their order is the server's (round-robin rotates it).
    const location = `dns:${name}`;
    return (await env.resolveTxt(name)).flatMap((strings) => {
      const text = strings.join('');
      const quoted = quotedPaste(name, text);
      if (quoted) return [{ location, text, owner, refused: quoted }];
      return text.startsWith('kez:z1:')
        ? [{ location, text: presentation(strings), owner }]
        : shortCandidates(text, location, owner);
    });
  },
};
