// The commands, in help order, each in a module of its own that loads when argv names it:
// `kez claim verify` compiles and wires `claim` alone. Top-level help, an unknown word and
// completion load them all. Adding a command = one entry here (a subcommand: an entry in its
// group's `subcommands`).
import type { CommandSpec } from '../command-definition.js';

export interface CommandEntry {
  /** The spec's own name (test/help.test.ts checks that they agree). */
  readonly name: string;
  load(): Promise<CommandSpec>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'key', load: async () => (await import('./key.js')).keyCommand },
  { name: 'sigchain', load: async () => (await import('./sigchain.js')).sigchainCommand },
  { name: 'claim', load: async () => (await import('./claim.js')).claimCommand },
  { name: 'verify', load: async () => (await import('./verify-id.js')).verifyCommand },
  { name: 'publish', load: async () => (await import('./publish.js')).publishCommand },
  { name: 'chat', load: async () => (await import('./chat.js')).chatCommand },
  { name: 'completion', load: async () => (await import('./completion.js')).completionCommand },
];

/** The command called `name` alone when there is one, else every command, in help order. */
export function loadCommands(name?: string): Promise<CommandSpec[]> {
  const one = COMMANDS.find((c) => c.name === name);
  return Promise.all((one ? [one] : COMMANDS).map((c) => c.load()));
}
