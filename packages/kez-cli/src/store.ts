// The local store shared by both CLIs (README "Local store"): KEZ_HOME 0700, config.json,
// keys/NAME.json 0600, chains/<64 hex>.jsonl.
import { existsSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError, localError, usageError } from './errors.js';
import { BUNDLE_LIMIT } from './limits.js';
import { IDENTITY_ID_RE, isIdentityId } from '@kez/core/identity-id';
import {
  acquireLock,
  PermissionsError,
  readFileBounded,
  TooLargeError,
  writeFileAtomic,
} from './fs-safe.js';

export type StoredSuite = 'ed25519' | 'bip340';

export interface KeyRecord {
  name: string;
  suite: StoredSuite;
  key: string;
  secret: string;
  created_at: number;
}

export interface Config {
  default_key?: string;
  identity?: string;
  /** The identity's chain sources (SPEC §10, homes); absent in a store made before homes. */
  homes?: string[];
}

/** Key names become file names: no path separators, no leading dot. */
const KEY_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
const SMALL_FILE = 64 * 1024;

export function checkKeyName(name: string): string {
  if (!KEY_NAME.test(name)) {
    throw usageError(
      `'${name}' is not a usable key name`,
      'use letters, digits, ".", "_" and "-" (not starting with "."), e.g. --name laptop',
      'bad_name',
    );
  }
  return name;
}

export function defaultHome(env: NodeJS.ProcessEnv): string {
  return env.KEZ_HOME && env.KEZ_HOME !== '' ? env.KEZ_HOME : join(homedir(), '.kez');
}

const LOCK_WAIT_MS = 10_000;

export class Store {
  readonly home: string;
  private release: (() => void) | undefined;

  constructor(home: string) {
    this.home = resolve(home);
  }

  private get keysDir(): string {
    return join(this.home, 'keys');
  }
  private get chainsDir(): string {
    return join(this.home, 'chains');
  }

  /** Creates missing directories with 0700; existing ones keep their mode (never widened). */
  private ensureDir(dir: string): void {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw fsError(e, dir, 'create');
    }
  }

  /**
   * Serializes commands that read, extend and rewrite the chain, so two concurrent
   * `kez sigchain add` never lose an event. Held until unlock() or the process exits.
   */
  lock(): void {
    if (this.release) return;
    this.ensureDir(this.home);
    const path = join(this.home, 'lock');
    let got: ReturnType<typeof acquireLock>;
    try {
      got = acquireLock(path, LOCK_WAIT_MS);
    } catch (e) {
      throw fsError(e, path, 'lock');
    }
    if ('holder' in got) {
      throw localError(
        'locked',
        `another kez process (pid ${got.holder}) is changing ${this.home}`,
        `wait for it to finish; if no kez is running, remove ${path}`,
      );
    }
    this.release = got.release;
  }

  unlock(): void {
    this.release?.();
    this.release = undefined;
  }

  keyPath(name: string): string {
    return join(this.keysDir, `${checkKeyName(name)}.json`);
  }

  hasKey(name: string): boolean {
    return existsSync(this.keyPath(name));
  }

  assertKeyFree(name: string): void {
    if (this.hasKey(name)) throw keyExists(name);
  }

  readKey(name: string): KeyRecord {
    const path = this.keyPath(name);
    let text: string;
    try {
      text = readFileBounded(path, SMALL_FILE, { secret: true }).toString('utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw localError(
          'no_key',
          `no key named '${name}'`,
          `run \`kez key gen --name ${name}\` or \`kez key import --name ${name}\`; \`kez key list\` shows the keys you have`,
        );
      }
      if (e instanceof PermissionsError) {
        throw localError(
          'bad_permissions',
          `refusing to read key file ${path}: it is readable by other users (${e.message})`,
          `run \`chmod 600 ${path}\` and consider the key exposed if others could log in here`,
        );
      }
      throw fsError(e, path, 'read');
    }
    return parseKeyRecord(text, name, path);
  }

  /** Stores a new key; refuses to replace an existing one. */
  writeKey(rec: KeyRecord): void {
    this.ensureDir(this.keysDir);
    const path = this.keyPath(rec.name);
    const body = `${JSON.stringify({ name: rec.name, suite: rec.suite, key: rec.key, secret: rec.secret, created_at: rec.created_at }, null, 2)}\n`;
    try {
      writeFileAtomic(path, body, { overwrite: false });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw keyExists(rec.name);
      throw fsError(e, path, 'write');
    }
  }

  /** Gives a stored key a new name (the record's `name` member follows). */
  renameKey(from: string, to: string): void {
    const rec = this.readKey(from);
    this.writeKey({ ...rec, name: to });
    this.deleteKey(from);
  }

  deleteKey(name: string): void {
    const path = this.keyPath(name);
    try {
      unlinkSync(path);
    } catch (e) {
      throw fsError(e, path, 'remove');
    }
  }

  keyNames(): string[] {
    let entries: string[];
    try {
      entries = readdirSync(this.keysDir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fsError(e, this.keysDir, 'list');
    }
    return entries
      .filter((f) => f.endsWith('.json') && KEY_NAME.test(f.slice(0, -5)))
      .map((f) => f.slice(0, -5))
      .sort();
  }

  listKeys(): KeyRecord[] {
    return this.keyNames().map((n) => this.readKey(n));
  }

  findKeyById(keyId: string): KeyRecord | undefined {
    return this.listKeys().find((k) => k.key === keyId);
  }

  readConfig(): Config {
    const path = join(this.home, 'config.json');
    let text: string;
    try {
      text = readFileBounded(path, SMALL_FILE).toString('utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw fsError(e, path, 'read');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw corrupt(path);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw corrupt(path);
    const c = parsed as Record<string, unknown>;
    const config: Config = {};
    if (c.default_key !== undefined) {
      if (typeof c.default_key !== 'string') throw corrupt(path);
      config.default_key = c.default_key;
    }
    if (c.identity !== undefined) {
      if (!isIdentityId(c.identity)) throw corrupt(path);
      config.identity = c.identity;
    }
    if (c.homes !== undefined) {
      if (!Array.isArray(c.homes) || !c.homes.every((h) => typeof h === 'string'))
        throw corrupt(path);
      config.homes = c.homes;
    }
    return config;
  }

  writeConfig(config: Config): void {
    this.ensureDir(this.home);
    const path = join(this.home, 'config.json');
    const doc: Config = {};
    if (config.default_key !== undefined) doc.default_key = config.default_key;
    if (config.identity !== undefined) doc.identity = config.identity;
    if (config.homes !== undefined) doc.homes = config.homes;
    try {
      writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`, { overwrite: true });
    } catch (e) {
      throw fsError(e, path, 'write');
    }
  }

  chainPath(identity: string): string {
    const m = IDENTITY_ID_RE.exec(identity);
    if (!m)
      throw usageError(
        `'${identity}' is not an identity id`,
        'an identity id looks like kez:id:<64 hex>',
        'bad_identity',
      );
    return join(this.chainsDir, `${m[1]}.jsonl`);
  }

  /** The stored bundle of `identity`, or undefined when there is none. */
  readChain(identity: string): string | undefined {
    const path = this.chainPath(identity);
    try {
      return readFileBounded(path, BUNDLE_LIMIT).toString('utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fsError(e, path, 'read');
    }
  }

  writeChain(identity: string, bundle: string): void {
    this.ensureDir(this.chainsDir);
    const path = this.chainPath(identity);
    try {
      writeFileAtomic(path, bundle, { overwrite: true });
    } catch (e) {
      throw fsError(e, path, 'write');
    }
  }
}

function parseKeyRecord(text: string, name: string, path: string): KeyRecord {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw corrupt(path);
  }
  if (typeof v !== 'object' || v === null) throw corrupt(path);
  const r = v as Record<string, unknown>;
  const ok =
    r.name === name &&
    (r.suite === 'ed25519' || r.suite === 'bip340') &&
    typeof r.key === 'string' &&
    typeof r.secret === 'string' &&
    /^[0-9a-f]{64}$/.test(r.secret) &&
    Number.isSafeInteger(r.created_at);
  if (!ok) throw corrupt(path);
  return {
    name,
    suite: r.suite as StoredSuite,
    key: r.key as string,
    secret: r.secret as string,
    created_at: r.created_at as number,
  };
}

function keyExists(name: string): CliError {
  return localError(
    'key_exists',
    `a key named '${name}' already exists`,
    `choose another name with --name, or inspect it with \`kez key show ${name}\``,
  );
}

function corrupt(path: string): CliError {
  return localError(
    'store',
    `${path} is not a valid KEZ store file`,
    'fix or remove the file (see the store layout in `kez --help`), or point --home at another store',
  );
}

function fsError(e: unknown, path: string, verb: string): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof TooLargeError)
    return localError(
      'store',
      `cannot ${verb} ${path}: ${e.message}`,
      'check that the file is the one you meant',
    );
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  const what =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOENT'
        ? 'no such file or directory'
        : code;
  return localError(
    'store',
    `cannot ${verb} ${path}: ${what}`,
    `check KEZ_HOME (${code}); --home DIR selects another store`,
  );
}
