// The browser rule as a static check: core's sources import nothing from node:, read no
// process state and reach no network or file API (the browser test proves the bundle runs).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? sources(join(dir, d.name))
      : d.name.endsWith('.ts')
        ? [join(dir, d.name)]
        : [],
  );
}

const FORBIDDEN: [string, RegExp][] = [
  ['a node: import', /from\s+['"]node:|import\(\s*['"]node:/],
  ['a bare Node builtin import', /from\s+['"](fs|path|os|crypto|net|http|https|child_process)['"]/],
  ['process state', /\bprocess\s*\./],
  ['a network or file API', /\b(fetch|XMLHttpRequest|WebSocket|require)\s*\(/],
];

describe('@kez/core does no I/O', () => {
  const files = sources(SRC);
  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(15);
  });
  it.each(files.map((f) => [f.slice(SRC.length + 1), f]))('%s', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    for (const [what, re] of FORBIDDEN) expect(re.test(text), what).toBe(false);
  });
});
