// --out refuses to overwrite an existing file without --force; --out - is stdout.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, run, runJson, tempHome } from './cli.js';

describe('--out', () => {
  const t = tempHome();
  beforeAll(async () => {
    await ok(['key', 'gen'], { home: t.home });
    await ok(['sigchain', 'init'], { home: t.home });
  });
  afterAll(() => t.cleanup());

  it('sigchain export: refuses an existing file, overwrites with --force, - is stdout', async () => {
    const file = join(t.dir, 'chain.jsonl');
    writeFileSync(file, 'keep me');
    const refused = await runJson(['sigchain', 'export', '--out', file], { home: t.home });
    expect(refused.code).toBe(8);
    expect(refused.doc.error.code).toBe('file_exists');
    expect(refused.doc.error.hint).toMatch(/--force/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    await ok(['sigchain', 'export', '--out', file, '--force'], { home: t.home });
    const bundle = readFileSync(file, 'utf8');
    expect(bundle).not.toBe('keep me');
    expect((await ok(['sigchain', 'export', '--out', '-'], { home: t.home })).stdout).toBe(bundle);
  });

  it('claim: refuses an existing file and leaves the chain as it was; - is stdout', async () => {
    const file = join(t.dir, 'claim.md');
    writeFileSync(file, 'keep me');
    const before = (await ok(['sigchain', 'export'], { home: t.home })).stdout;
    const refused = await run(['claim', 'github:out', '--out', file], { home: t.home });
    expect(refused.code).toBe(8);
    expect(refused.stderr).toMatch(/already exists/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    expect((await ok(['sigchain', 'export'], { home: t.home })).stdout).toBe(before);
    const toStdout = await ok(['claim', 'github:out', '--format', 'json', '--out', '-'], {
      home: t.home,
    });
    expect(JSON.parse(toStdout.stdout).subject).toBe('github:out');
    await ok(['claim', 'github:out2', '--out', file, '--force'], { home: t.home });
    expect(readFileSync(file, 'utf8')).toMatch(/github:out2|kez/);
  });
});
