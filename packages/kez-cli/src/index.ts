// The package entry (package.json "exports"): run the CLI in-process, and what a command
// definition needs. The binary is bin.ts.
export { main, type Io } from './main.js';
export type { Env } from './context.js';
export {
  arg,
  command,
  flag,
  negatable,
  option,
  parsedOption,
  repeatable,
  requiredOption,
  type CommandSpec,
  type OptionValues,
} from './command-definition.js';
export { CliError } from './errors.js';
export { exitCodeFor, type Outcome } from './exit-codes.js';
