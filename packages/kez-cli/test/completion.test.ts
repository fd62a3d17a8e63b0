// `kez completion SHELL` prints a script generated from the command definitions; the bash one,
// sourced in bash, completes command words at every level.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ok, run, tempHome } from './cli.js';

const t = tempHome();
afterAll(() => t.cleanup());

/** What bash's `_kez` offers for the words typed so far (the last one being completed). */
function complete(script: string, words: string[]): string[] {
  const w = words.map((x) => `'${x}'`).join(' ');
  const out = execFileSync(
    'bash',
    [
      '-c',
      `source "$1"; COMP_WORDS=(${w}); COMP_CWORD=${words.length - 1}; _kez; printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      script,
    ],
    { encoding: 'utf8' },
  );
  return out.split('\n').filter((l) => l !== '');
}

describe('completion', () => {
  it('bash: completes commands, subcommands and flags from the definitions', async () => {
    const script = join(t.dir, 'kez.bash');
    writeFileSync(script, (await ok(['completion', 'bash'])).stdout);
    expect(complete(script, ['kez', 'sig'])).toEqual(['sigchain']);
    expect(complete(script, ['kez', 'sigchain', 'r']).sort()).toEqual(
      ['recover', 'request-device', 'revoke', 'revoke-device', 'rotate'].sort(),
    );
    expect(complete(script, ['kez', 'key', 'gen', '--a'])).toEqual(['--alg']);
    expect(complete(script, ['kez', '--json', 'claim', 'ver'])).toEqual(['verify']);
    expect(complete(script, ['kez', 'comp'])).toEqual(['completion']);
  });

  it('zsh and fish scripts name every command; an unknown shell is a usage error', async () => {
    for (const shell of ['zsh', 'fish']) {
      const s = (await ok(['completion', shell])).stdout;
      for (const w of ['sigchain', 'revoke-device', 'request-device', 'completion'])
        expect(s).toContain(w);
    }
    expect((await run(['completion', 'tcsh'])).code).toBe(2);
  });
});
