// The command modules, in help order. Adding a command = one import and one entry here.
import type { Register } from '../context.js';
import { register as key } from './key.js';
import { register as sigchain } from './sigchain.js';
import { register as claim } from './claim.js';
import { register as verifyId } from './verify-id.js';
import { register as publish } from './publish.js';
import { register as sigchainPublish } from './sigchain-publish.js';
import { register as chat } from './chat.js';

export const commands: readonly Register[] = [
  key,
  sigchain,
  claim,
  verifyId,
  publish,
  sigchainPublish,
  chat,
];
