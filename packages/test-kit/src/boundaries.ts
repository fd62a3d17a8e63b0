// The package-boundary check (ARCHITECTURE.md, "What each package may import"): reads every
// workspace's package.json and the import specifiers of its files, and reports a relative
// import that leaves the package, an import of an undeclared package, a declared dependency
// nothing imports, an internal dependency not declared as its exact version, an import() of a
// computed specifier, and any Node built-in imported by @kez/core's sources (core does no I/O).
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface BoundaryProblem {
  /** Workspace folder relative to the root, e.g. packages/kez-core. */
  pkg: string;
  /** The file (relative to the root), or package.json. */
  file: string;
  message: string;
}

interface Manifest {
  name?: string;
  version?: string;
  private?: boolean;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The package a core-I/O ban applies to. */
const PURE_PACKAGE = '@kez/core';
/** Servers: a library or app never depends on one (their tests and the test kit may). */
export const SERVER_PACKAGES: ReadonlySet<string> = new Set([
  '@kez/sig-server',
  '@kez/chat-server',
]);
/**
 * Server dependencies that remain until their fix lands, as "package -> server"; one that is
 * no longer declared is reported too, so the list only shrinks. Empty: keep it so.
 */
export const KNOWN_SERVER_DEPENDENCIES: ReadonlySet<string> = new Set<string>([]);
const CODE = /\.(?:[cm]?[jt]s|tsx)$/;
// Build output (tsc's dist, the CLI's esbuild bundle) is not source.
const SKIP_DIRS = new Set(['node_modules', 'dist', 'bundle', '.cache', 'target']);
const BUILTINS = new Set(builtinModules);
const readJson = (file: string): Manifest => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

function codeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...codeFiles(path));
    else if (CODE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const COMPUTED = '(computed)';

/** `require` or a `createRequire(…)` call, or `import.meta`: their `.resolve('x')` uses x. */
function isResolver(node: ts.Expression): boolean {
  if (ts.isIdentifier(node)) return node.text === 'require';
  if (ts.isCallExpression(node))
    return ts.isIdentifier(node.expression) && node.expression.text === 'createRequire';
  return ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword;
}

/**
 * The module specifiers one file imports: import/export-from, import types, import() and
 * require() (a computed specifier as COMPUTED), and resolving a module's path.
 */
export function importSpecifiers(text: string, fileName = 'x.ts'): string[] {
  return scan(text, fileName).specs;
}

/** The import specifiers and every other relative-path string literal ('../x') of a file. */
function scan(text: string, fileName: string): { specs: string[]; paths: string[] } {
  const specs: string[] = [];
  const paths: string[] = [];
  const literal = (e: ts.Node | undefined) => (e && ts.isStringLiteralLike(e) ? e.text : COMPUTED);
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
      specs.push(literal(node.moduleSpecifier));
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      specs.push(literal(node.argument.literal));
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const arg = node.arguments[0];
      if (callee.kind === ts.SyntaxKind.ImportKeyword) specs.push(literal(arg));
      else if (ts.isIdentifier(callee) && callee.text === 'require') specs.push(literal(arg));
      else if (
        ts.isPropertyAccessExpression(callee) &&
        callee.name.text === 'resolve' &&
        isResolver(callee.expression) &&
        arg &&
        ts.isStringLiteralLike(arg)
      )
        specs.push(arg.text);
    } else if (ts.isStringLiteralLike(node) && /^\.\.?\//.test(node.text)) paths.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false));
  return { specs, paths: paths.filter((p) => !specs.includes(p)) };
}

/** 'node:fs' / 'fs' → 'node:fs'; '@a/b/c' → '@a/b'; 'x/y' → 'x'. */
function packageOf(spec: string): string {
  if (spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0] ?? spec)) return 'node:';
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

const typesFor = (dep: string): string | null =>
  dep.startsWith('@types/') ? dep.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2') : null;

export function checkBoundaries(
  root: string,
  known: ReadonlySet<string> = KNOWN_SERVER_DEPENDENCIES,
): BoundaryProblem[] {
  const rootManifest = readJson(join(root, 'package.json'));
  const folders = rootManifest.workspaces ?? [];
  const manifests = new Map(folders.map((f) => [f, readJson(join(root, f, 'package.json'))]));
  const versions = new Map([...manifests.values()].map((m) => [m.name ?? '', m.version ?? '']));
  const rootTools = Object.keys(rootManifest.devDependencies ?? {});
  const problems: BoundaryProblem[] = [];
  const privates = new Set(
    [...manifests.values()].filter((m) => m.private === true).map((m) => m.name ?? ''),
  );
  const serverDeps = new Set<string>();

  for (const [folder, m] of manifests) {
    const dir = resolve(root, folder);
    const otherDirs = folders.filter((f) => f !== folder).map((f) => resolve(root, f));
    const report = (file: string, message: string) =>
      problems.push({ pkg: folder, file: relative(root, file) || file, message });
    const runtime = new Set([
      ...Object.keys(m.dependencies ?? {}),
      ...Object.keys(m.peerDependencies ?? {}),
    ]);
    const dev = new Set([...runtime, ...Object.keys(m.devDependencies ?? {}), ...rootTools]);
    const usedBySrc = new Set<string>();
    const usedByAny = new Set<string>();

    for (const file of codeFiles(dir)) {
      const rel = relative(dir, file);
      const isSrc = rel.startsWith(`src${sep}`) && !/\.test\.[cm]?[jt]s$/.test(rel);
      const { specs, paths } = scan(readFileSync(file, 'utf8'), file);
      // A path such as new URL('../../kez-cli/dist/bin.js', import.meta.url) reaches in too.
      for (const path of paths) {
        const target = resolve(dirname(file), path);
        if (otherDirs.some((d) => target === d || target.startsWith(d + sep)))
          report(file, `reaches into another package by relative path ${path}`);
      }
      for (const spec of specs) {
        if (spec === COMPUTED) {
          // A computed import() hides a dependency from the type checker and from this check.
          report(file, 'imports a computed specifier: name the module');
          continue;
        }
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          if (target !== dir && !target.startsWith(dir + sep))
            report(file, `imports ${spec} by relative path from outside the package`);
          continue;
        }
        const name = packageOf(spec);
        if (name === 'node:') {
          if (isSrc && m.name === PURE_PACKAGE) report(file, `imports ${spec}: core does no I/O`);
          continue;
        }
        if (name === m.name) continue;
        usedByAny.add(name);
        if (isSrc) usedBySrc.add(name);
        if (!(isSrc ? runtime : dev).has(name))
          report(
            file,
            `imports ${name}, which package.json does not declare${isSrc ? ' in dependencies' : ''}`,
          );
      }
    }

    const manifest = join(dir, 'package.json');
    for (const dep of Object.keys(m.dependencies ?? {}))
      if (!usedBySrc.has(dep) && !usedBySrc.has(typesFor(dep) ?? ''))
        report(manifest, `declares ${dep} in dependencies but no source file imports it`);
    for (const dep of Object.keys(m.devDependencies ?? {})) {
      const base = typesFor(dep);
      const used = base === 'node' || usedByAny.has(dep) || (base !== null && usedByAny.has(base));
      if (!used) report(manifest, `declares ${dep} in devDependencies but nothing imports it`);
    }
    for (const dep of Object.keys(m.dependencies ?? {})) {
      if (privates.has(dep) && m.private !== true)
        report(manifest, `depends on the private ${dep}: only devDependencies may name it`);
      if (!SERVER_PACKAGES.has(dep) || m.private === true) continue;
      serverDeps.add(`${m.name} -> ${dep}`);
      if (!known.has(`${m.name} -> ${dep}`))
        report(manifest, `depends on the server package ${dep}: no library or app may`);
    }
    for (const field of ['dependencies', 'devDependencies', 'peerDependencies'] as const)
      for (const [dep, range] of Object.entries(m[field] ?? {})) {
        const version = versions.get(dep);
        if (version !== undefined && range !== version)
          report(manifest, `${field}: internal ${dep} is "${range}", not its version "${version}"`);
      }
  }
  for (const entry of known)
    if (!serverDeps.has(entry))
      problems.push({
        pkg: '',
        file: 'packages/test-kit/src/boundaries.ts',
        message: `KNOWN_SERVER_DEPENDENCIES lists ${entry}, which no package declares any more`,
      });
  return problems;
}
