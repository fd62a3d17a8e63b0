// kez completion bash|zsh|fish — prints a completion script generated from the command definitions.
import { arg, command } from '../command-definition.js';
import { completionScript, SHELLS, type Shell } from '../completion.js';
import { usageError } from '../errors.js';

export const completionCommand = command({
  name: 'completion',
  description: 'print a shell completion script (bash, zsh or fish)',
  examples: [
    'source <(kez completion bash)   # in ~/.bashrc',
    'source <(kez completion zsh)    # in ~/.zshrc, after compinit',
    'kez completion fish > ~/.config/fish/completions/kez.fish',
  ],
  args: [arg('<shell>', 'bash, zsh or fish')],
  run: async (env, args) => {
    const shell = args[0];
    if (!(SHELLS as readonly string[]).includes(shell))
      throw usageError(`no completion for shell '${shell}'`, 'use bash, zsh or fish', 'bad_shell');
    // Loaded here: the command list includes this command.
    const [commands, { GLOBAL_OPTIONS }] = await Promise.all([
      import('./index.js').then((m) => m.loadCommands()),
      import('../main.js'),
    ]);
    const script = completionScript(shell as Shell, commands, GLOBAL_OPTIONS);
    if (env.out.json) env.out.result({ shell, script }, () => '');
    else env.out.raw(script);
  },
});
