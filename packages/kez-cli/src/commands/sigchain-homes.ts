// kez sigchain homes [--add URL]… [--remove URL]… — shows or edits the identity's homes
// (SPEC §10). A subcommand of the `sigchain` group (sigchain.ts).
import { command, repeatable } from '../command-definition.js';
import { usageError } from '../errors.js';
import { checkHomeCount, parseHome, storeHomes } from '../homes.js';
import { storeIdentity } from '../keyring.js';

export const sigchainHomesCommand = command({
  name: 'homes',
  examples: [
    'kez sigchain homes',
    'kez sigchain homes --add https://sig.example.com --remove wss://relay.example.com',
  ],
  description:
    "show or edit the identity's homes: where claims point verifiers and where publish sends the chain",
  options: {
    add: repeatable('--add <url>', 'add a sig-server (https://…) or relay (wss://…) home'),
    remove: repeatable('--remove <url>', 'remove a home'),
  },
  run: async (env, _args, opts) => {
    const editing = opts.add.length > 0 || opts.remove.length > 0;
    if (editing) env.store.lock();
    const identity = storeIdentity(env, 'run `kez sigchain init` first');
    const core = await env.core();
    const before = await storeHomes(env);
    const removed = opts.remove.map((u) => parseHome(core, u));
    for (const r of removed)
      if (!before.includes(r))
        throw usageError(
          `${r} is not a home of ${identity}`,
          '`kez sigchain homes` lists them',
          'no_home',
        );
    const homes = [
      ...new Set([
        ...before.filter((h) => !removed.includes(h)),
        ...opts.add.map((u) => parseHome(core, u)),
      ]),
    ];
    checkHomeCount(core, homes);
    if (editing) env.store.writeConfig({ ...env.store.readConfig(), homes });
    const later = editing
      ? ['claims made from now on name these homes; `kez sigchain publish` sends the chain to them']
      : [];
    env.out.result({ identity, homes }, () =>
      [...(homes.length ? homes : ['(no homes)']), ...later].join('\n'),
    );
  },
});
