// dns: TXT records at _kez.<domain> (SPEC §10, §8.4). The owner is the domain queried. A
// record that is not a compact claim is read for short proofs (SPEC §5.2).
import { shortCandidates } from '../proofs.js';
import type { ChannelPlugin } from '../types.js';

/** TXT character-strings in presentation form, so the core DNS decoder applies the §8.4 rules. */
function presentation(strings: string[]): string {
  return strings.map((s) => `"${s}"`).join(' ');
}

export const dnsPlugin: ChannelPlugin = {
  name: 'dns',
  async locate(subject, env) {
    const name = `_kez.${subject.id}`;
    env.progress?.(`dns: TXT ${name}`);
    const owner = { subject: subject.text };
    return (await env.resolveTxt(name)).flatMap((strings, i) => {
      const location = `dns:${name}#${i}`;
      const text = strings.join('');
      return text.startsWith('kez:z1:')
        ? [{ location, text: presentation(strings), owner }]
        : shortCandidates(text, location, owner);
    });
  },
};
