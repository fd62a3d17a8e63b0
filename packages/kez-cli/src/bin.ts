#!/usr/bin/env node
// `kez --version` alone is answered before anything else loads (main() builds every command
// first); any other argv, `--version` with other flags included, goes through main.
import { packageVersion } from './version.js';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${packageVersion()}\n`);
} else {
  const { main } = await import('./main.js');
  process.exitCode = await main(process.argv);
}
