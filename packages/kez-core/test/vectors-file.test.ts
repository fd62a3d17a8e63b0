// The committed vectors file is exactly what the generator produces (it never drifts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEZ_VECTORS, REPO_ROOT } from '@kez/test-kit/vector-paths';
import { vectors } from '@kez/test-kit/conformance';

describe('vectors/kez-vectors.json', () => {
  it('regenerating it from the built dist produces identical bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kez-vectors-'));
    try {
      const out = join(dir, 'v.json');
      execFileSync(
        process.execPath,
        [resolve(REPO_ROOT, 'packages/kez-core/scripts/gen-vectors.mjs'), out],
        { stdio: 'pipe' },
      );
      expect(readFileSync(out).equals(readFileSync(KEZ_VECTORS))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('covers what SPEC §12 lists', () => {
    const names = (vectors.objects as { name: string }[]).map((o) => o.name);
    for (const suite of ['ed25519', 'bip340']) {
      for (const n of [
        'claim',
        'event-init',
        'event-add',
        'event-revoke',
        'event-rotate',
        'event-add_device',
        'event-revoke_device',
        'login',
      ]) {
        expect(names).toContain(`${n}-${suite}`);
      }
    }
    expect(typeof vectors.$schema_doc).toBe('string');
    const statuses = new Set(
      (vectors.chains as { expected: { status: string } }[]).map((c) => c.expected.status),
    );
    expect(statuses).toEqual(new Set(['valid', 'fork']));
  });
});
