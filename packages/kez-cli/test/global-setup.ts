import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BUNDLE = fileURLToPath(new URL('../bundle/kez.js', import.meta.url));

export default function setup(): void {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: build first (npm run build)`);
}
