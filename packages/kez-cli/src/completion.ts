// Shell completion scripts generated from the command definitions: the words and flags each
// shell offers come from the same declarations commander is built from, never from a list kept
// by hand.
import { Option } from 'commander';
import type { CommandSpec, Options } from './command-definition.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** One command as completion sees it: its path ("kez/sigchain"), subcommands and flags. */
interface Node {
  path: string;
  subs: Array<{ name: string; description: string }>;
  flags: Array<{ flag: string; description: string }>;
}

const SAFE_WORD = /^-{0,2}[A-Za-z0-9][A-Za-z0-9_-]*$/;

function flagsOf(options: Options): Node['flags'] {
  const out: Node['flags'] = [];
  for (const def of Object.values(options)) {
    const opt = new Option(def.flags, def.description);
    for (const f of [opt.long, opt.short])
      if (f) out.push({ flag: f, description: def.description });
  }
  out.push({ flag: '--help', description: 'display help for command' });
  return out;
}

function nodes(root: { subs: readonly CommandSpec[]; options: Options }): Node[] {
  const all: Node[] = [];
  const walk = (path: string, subs: readonly CommandSpec[], options: Options) => {
    all.push({
      path,
      subs: subs.map((s) => ({ name: s.name, description: s.description })),
      flags: flagsOf(options),
    });
    for (const s of subs) walk(`${path}/${s.name}`, s.subcommands, s.options);
  };
  walk('kez', root.subs, root.options);
  all[0]!.subs.push({ name: 'help', description: 'show the help of a command' });
  for (const n of all)
    for (const w of [...n.subs.map((s) => s.name), ...n.flags.map((f) => f.flag)])
      if (!SAFE_WORD.test(w))
        throw new Error(`internal: '${w}' cannot go into a completion script`);
  return all;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export function completionScript(
  shell: Shell,
  commands: readonly CommandSpec[],
  globalOptions: Options,
): string {
  const all = nodes({ subs: commands, options: globalOptions });
  const paths = all.filter((n) => n.path !== 'kez').map((n) => `'${n.path}'`);
  const head = `# kez completion for ${shell}, generated from the command definitions by \`kez completion ${shell}\`.\n`;
  if (shell === 'bash') return head + bash(all, paths);
  if (shell === 'zsh') return head + zsh(all, paths);
  return head + fish(all);
}

function bash(all: Node[], paths: string[]): string {
  const words = all.map(
    (n) => `    '${n.path}') words='${n.subs.map((s) => s.name).join(' ')}' ;;`,
  );
  const flags = all.map(
    (n) => `    '${n.path}') flags='${n.flags.map((f) => f.flag).join(' ')}' ;;`,
  );
  return `_kez() {
  local cur=\${COMP_WORDS[COMP_CWORD]} kpath=kez w i words= flags=
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case "$kpath/$w" in
      ${paths.join('|')}) kpath=$kpath/$w ;;
    esac
  done
  case $kpath in
${words.join('\n')}
  esac
  case $kpath in
${flags.join('\n')}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [[ -n $words ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _kez kez
`;
}

const zshQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

function zsh(all: Node[], paths: string[]): string {
  const cands = all.map(
    (n) =>
      `    (${zshQuote(n.path)}) subs=(${n.subs.map((s) => zshQuote(`${s.name}:${oneLine(s.description).replace(/:/g, '\\:')}`)).join(' ')}); flags=(${n.flags.map((f) => f.flag).join(' ')}) ;;`,
  );
  return `#compdef kez
_kez() {
  local kpath=kez w i
  local -a subs flags
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    case "$kpath/$w" in
      (${paths.join('|')}) kpath=$kpath/$w ;;
    esac
  done
  case $kpath in
${cands.join('\n')}
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    compadd -- $flags
  elif (( \${#subs} )); then
    _describe 'command' subs
  else
    _files
  fi
}
compdef _kez kez
`;
}

const fishQuote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fish(all: Node[]): string {
  const lines: string[] = [];
  for (const n of all) {
    const at = `-n '__kez_at ${n.path}'`;
    for (const s of n.subs)
      lines.push(`complete -c kez ${at} -f -a ${s.name} -d ${fishQuote(oneLine(s.description))}`);
    for (const f of n.flags) {
      const flag = f.flag.startsWith('--') ? `-l ${f.flag.slice(2)}` : `-s ${f.flag.slice(1)}`;
      lines.push(`complete -c kez ${at} ${flag} -d ${fishQuote(oneLine(f.description))}`);
    }
  }
  const paths = all.filter((n) => n.path !== 'kez').map((n) => `'${n.path}'`);
  return `function __kez_path
  set -l p kez
  for w in (commandline -opc)[2..-1]
    switch "$p/$w"
      case ${paths.join(' ')}
        set p "$p/$w"
    end
  end
  echo $p
end
function __kez_at
  test (__kez_path) = $argv[1]
end
${lines.join('\n')}
`;
}
