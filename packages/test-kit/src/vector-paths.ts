// Where the SPEC vectors and the read-only third-party vectors live.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const KEZ_VECTORS = resolve(REPO_ROOT, 'vectors/kez-vectors.json');
/** ../shared/vectors relative to the repo root (the clone's parent holds shared/ in CI);
 * KEZ_THIRD_PARTY_VECTORS overrides it (e.g. to check that absence is reported as skipped). */
export const THIRD_PARTY =
  process.env.KEZ_THIRD_PARTY_VECTORS ?? resolve(REPO_ROOT, '../shared/vectors');
export const HAVE_THIRD_PARTY = existsSync(THIRD_PARTY);
export const SKIP_MESSAGE = `third-party vectors folder ${THIRD_PARTY} is absent: SKIPPED`;
