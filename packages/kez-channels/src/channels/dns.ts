// dns: TXT records at _kez.<domain> (SPEC §10, §8.4). The owner is the domain queried.
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
    const records = await env.resolveTxt(name);
    return records
      .filter((strings) => strings.join('').startsWith('kez:z1:'))
      .map((strings, i) => ({
        location: `dns:${name}#${i}`,
        text: presentation(strings),
        owner: { subject: subject.text },
      }));
  },
};
