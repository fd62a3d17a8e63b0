import { existsSync } from 'node:fs';
import { BIN } from './cli.js';

export default function setup(): void {
  if (!existsSync(BIN))
    throw new Error(
      `${BIN} is missing: build first (npm run build, or npx tsc -b packages/kez-cli/tsconfig.json)`,
    );
}
