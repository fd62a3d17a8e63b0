// The boundary gate on small hostile trees (each rule must catch its breach) and on this repo.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBoundaries, importSpecifiers } from '../src/boundaries.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const trees: string[] = [];

type Files = Record<string, string | object>;

/** A root with workspaces packages/core (@kez/core) and packages/app (@kez/app). */
function tree(files: Files): string {
  const root = mkdtempSync(join(tmpdir(), 'kez-boundaries-'));
  trees.push(root);
  const base: Files = {
    'package.json': {
      workspaces: ['packages/core', 'packages/app'],
      devDependencies: { vitest: '~4.1.12' },
    },
    'packages/core/package.json': { name: '@kez/core', version: '0.2.0' },
    'packages/core/src/index.ts': 'export const x = 1;\n',
    'packages/app/package.json': app({ '@kez/core': '0.2.0' }),
    'packages/app/src/index.ts': "import { x } from '@kez/core';\nexport const y = x;\n",
  };
  for (const [path, content] of Object.entries({ ...base, ...files })) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

/** packages/app's package.json with these dependencies. */
const app = (
  dependencies: Record<string, string>,
  devDependencies: Record<string, string> = {},
) => ({
  name: '@kez/app',
  version: '0.2.0',
  dependencies,
  devDependencies,
});

const messages = (root: string, known: ReadonlySet<string> = new Set()) =>
  checkBoundaries(root, known).map((p) => `${p.file}: ${p.message}`);

afterEach(() => {
  for (const t of trees.splice(0)) rmSync(t, { recursive: true, force: true });
});

describe('checkBoundaries', () => {
  it('passes a clean tree', () => {
    expect(messages(tree({}))).toEqual([]);
  });

  it('flags a relative import into another package', () => {
    const root = tree({
      'packages/app/test/a.test.ts': "import '../../core/src/index.js';\nimport 'vitest';\n",
    });
    expect(messages(root)).toEqual([
      'packages/app/test/a.test.ts: imports ../../core/src/index.js by relative path from outside the package',
    ]);
  });

  it('flags a relative path into another package that is not an import', () => {
    const root = tree({
      'packages/app/test/a.test.ts':
        "export const bin = new URL('../../core/dist/bin.js', import.meta.url);\n" +
        "export const root = new URL('../../..', import.meta.url);\n",
    });
    expect(messages(root)).toEqual([
      'packages/app/test/a.test.ts: reaches into another package by relative path ../../core/dist/bin.js',
    ]);
  });

  it('allows relative imports inside the package', () => {
    const root = tree({ 'packages/app/test/a.test.ts': "import '../src/index.js';\n" });
    expect(messages(root)).toEqual([]);
  });

  it('flags an undeclared package, in sources and in tests', () => {
    const root = tree({
      'packages/app/src/extra.ts': "export { z } from 'left-pad';\n",
      'packages/app/test/a.test.ts': "import fc from 'fast-check';\nimport 'vitest';\n",
    });
    expect(messages(root)).toEqual([
      'packages/app/src/extra.ts: imports left-pad, which package.json does not declare in dependencies',
      'packages/app/test/a.test.ts: imports fast-check, which package.json does not declare',
    ]);
  });

  it('flags a source import of a package declared only for development', () => {
    const root = tree({
      'packages/app/package.json': app({ '@kez/core': '0.2.0' }, { ws: '^8.0.0' }),
      'packages/app/src/extra.ts': "import { WebSocket } from 'ws';\nexport const w = WebSocket;\n",
    });
    expect(messages(root)).toEqual([
      'packages/app/src/extra.ts: imports ws, which package.json does not declare in dependencies',
    ]);
  });

  it('flags declared dependencies nothing imports', () => {
    const root = tree({
      'packages/app/package.json': app(
        { '@kez/core': '0.2.0', 'left-pad': '^1.0.0' },
        { 'fast-check': '^4.0.0', '@types/ws': '^8.0.0' },
      ),
    });
    expect(messages(root)).toEqual([
      'packages/app/package.json: declares left-pad in dependencies but no source file imports it',
      'packages/app/package.json: declares fast-check in devDependencies but nothing imports it',
      'packages/app/package.json: declares @types/ws in devDependencies but nothing imports it',
    ]);
  });

  it('flags a runtime dependency only the tests use', () => {
    const root = tree({
      'packages/app/package.json': app({ '@kez/core': '0.2.0', ws: '^8.0.0' }),
      'packages/app/test/a.test.ts': "import 'ws';\n",
    });
    expect(messages(root)).toEqual([
      'packages/app/package.json: declares ws in dependencies but no source file imports it',
    ]);
  });

  it('flags an internal dependency not declared as its exact version', () => {
    const root = tree({
      'packages/app/package.json': app({ '@kez/core': '^0.2.0' }),
    });
    expect(messages(root)).toEqual([
      'packages/app/package.json: dependencies: internal @kez/core is "^0.2.0", not its version "0.2.0"',
    ]);
  });

  it('flags a Node built-in in @kez/core sources, with or without the node: prefix', () => {
    const root = tree({
      'packages/core/src/index.ts':
        "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      'packages/core/src/more.ts': "export { createHash } from 'crypto';\n",
      // Core's tests may use Node; another package's sources may too.
      'packages/core/test/a.test.ts': "import 'node:fs';\n",
      'packages/app/src/io.ts': "import 'node:fs';\n",
    });
    expect(messages(root)).toEqual([
      'packages/core/src/index.ts: imports node:fs: core does no I/O',
      'packages/core/src/more.ts: imports crypto: core does no I/O',
    ]);
  });

  it('flags an import() of a computed specifier', () => {
    const root = tree({
      'packages/app/src/lazy.ts':
        "const name = '@kez/core';\nexport const m = () => import(name);\n",
    });
    expect(messages(root)).toEqual([
      'packages/app/src/lazy.ts: imports a computed specifier: name the module',
    ]);
  });
});

describe('server and private packages', () => {
  const withServer = (appDeps: Record<string, string>): Files => ({
    'package.json': {
      workspaces: ['packages/core', 'packages/app', 'packages/sig', 'packages/kit'],
    },
    'packages/sig/package.json': { name: '@kez/sig-server', version: '0.2.0' },
    'packages/kit/package.json': {
      name: '@kez/test-kit',
      version: '0.2.0',
      private: true,
      dependencies: { '@kez/sig-server': '0.2.0' },
    },
    'packages/kit/src/index.ts': "export * from '@kez/sig-server';\n",
    'packages/app/package.json': app(appDeps),
    'packages/app/src/index.ts': Object.keys(appDeps)
      .map((d) => `import '${d}';\n`)
      .join(''),
  });

  it('flags an app depending on a server package, and a public one on a private package', () => {
    const files = withServer({ '@kez/sig-server': '0.2.0', '@kez/test-kit': '0.2.0' });
    // The private kit itself may depend on a server.
    expect(messages(tree(files))).toEqual([
      'packages/app/package.json: depends on the server package @kez/sig-server: no library or app may',
      'packages/app/package.json: depends on the private @kez/test-kit: only devDependencies may name it',
    ]);
  });

  it('accepts a listed server dependency, and reports the listing once it is gone', () => {
    const listed = new Set(['@kez/app -> @kez/sig-server']);
    expect(messages(tree(withServer({ '@kez/sig-server': '0.2.0' })), listed)).toEqual([]);
    expect(messages(tree(withServer({})), listed)).toEqual([
      'packages/test-kit/src/boundaries.ts: KNOWN_SERVER_DEPENDENCIES lists @kez/app -> @kez/sig-server, which no package declares any more',
    ]);
  });
});

describe('importSpecifiers', () => {
  it('sees static, type-only, re-export, dynamic, computed, require and resolve forms', () => {
    const text = [
      "import a from 'a';",
      "import type { B } from 'b';",
      "export * from 'c';",
      "const d = await import('d');",
      "const e = require('e');",
      "const f = createRequire(import.meta.url).resolve('f/package.json');",
      "const g = path.resolve('./local');",
      'const h = await import(name);',
    ].join('\n');
    expect(importSpecifiers(text).sort()).toEqual([
      '(computed)',
      'a',
      'b',
      'c',
      'd',
      'e',
      'f/package.json',
    ]);
  });
});

describe('this repository', () => {
  it('has no boundary problems', () => {
    expect(checkBoundaries(REPO)).toEqual([]);
  });
});
