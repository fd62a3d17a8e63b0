// Errors the CLI reports to the user. Every one says what to do next (the hint) and none
// ever carries secret material.
import type { Outcome } from './exit-codes.js';

export class CliError extends Error {
  /**
   * @param outcome decides the exit code
   * @param code    the machine-readable `error.code` under --json (defaults to the outcome)
   */
  constructor(
    readonly outcome: Outcome,
    message: string,
    readonly hint: string,
    readonly code: string = outcome,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string, hint: string, code = 'usage'): CliError =>
  new CliError('usage', message, hint, code);

export const localError = (code: string, message: string, hint: string): CliError =>
  new CliError('local', message, hint, code);
