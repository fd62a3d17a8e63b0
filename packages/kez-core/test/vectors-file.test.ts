// The committed vectors file is exactly what the generator produces (it never drifts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEZ_VECTORS, REPO_ROOT } from '@kez/test-kit/vector-paths';
import { vectors } from '@kez/test-kit/conformance';
import { verifyChain } from '../src/index.js';

type ChainVector = {
  name: string;
  bundle: string;
  expected: { status: string; superseded: unknown[]; retirements?: unknown[] };
};

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
        'v0.3-claim',
        'v0.3-event-init',
        'v0.3-event-add',
        'v0.3-event-rotate-recovery',
        'v0.3-event-rotate-compromised',
        'v0.3-event-revoke_device-compromised',
        'v0.3-event-add_device-request',
        'v0.3-device_request',
        'v0.3-login',
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
  // The conformance suite checks status, state and claims; these are the v0.3 members.
  describe('chains: resolution evidence and retirements (SPEC §6.2, §6.8)', () => {
    for (const c of vectors.chains as ChainVector[]) {
      it(c.name, () => {
        const r = verifyChain(c.bundle, { now: vectors.now });
        expect(r.evidence.superseded).toEqual(c.expected.superseded);
        if (c.expected.retirements)
          expect(r.state!.retirements.map((x) => ({ ...x }))).toEqual(c.expected.retirements);
      });
    }
    it('cover superseded branches and sticky retirements', () => {
      const chains = vectors.chains as ChainVector[];
      expect(chains.filter((c) => c.expected.superseded.length > 0).length).toBeGreaterThanOrEqual(
        7,
      );
      expect(
        chains.some((c) =>
          (c.expected.retirements ?? []).some((x) => (x as { superseded?: true }).superseded),
        ),
      ).toBe(true);
    });
  });
});
