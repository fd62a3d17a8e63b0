// The package entry (package.json "exports"): run the CLI in-process, and the types a command
// module needs. The binary is bin.ts.
export { main, type Io } from './main.js';
export type { Action, Ctx, Env, Register } from './context.js';
export { CliError } from './errors.js';
export { exitCodeFor, type Outcome } from './exit-codes.js';
