// The built `kez` command (@kez/cli's dist/bin.js), for tests that run it as a subprocess.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export const KEZ_BIN = join(dirname(require.resolve('@kez/cli')), 'bin.js');
