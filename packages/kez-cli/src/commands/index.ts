// The commands, in help order. Adding a command = one import and one entry here (a subcommand:
// an entry in its group's `subcommands`).
import type { CommandSpec } from '../command-definition.js';
import { chatCommand } from './chat.js';
import { claimCommand } from './claim.js';
import { completionCommand } from './completion.js';
import { keyCommand } from './key.js';
import { publishCommand } from './publish.js';
import { sigchainCommand } from './sigchain.js';
import { verifyCommand } from './verify-id.js';

export const commands: readonly CommandSpec[] = [
  keyCommand,
  sigchainCommand,
  claimCommand,
  verifyCommand,
  publishCommand,
  chatCommand,
  completionCommand,
];
