// File primitives for secrets and shared state: atomic writes with 0600 from the first byte,
// reads that refuse group/world-readable key files, bounded reads of user input.
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` so that no reader ever sees a partial file and the file is 0600 from
 * creation (a temp file opened with that mode, then renamed). With `overwrite: false` the final
 * step is link(2), which fails with EEXIST instead of replacing an existing file.
 */
let tmpCounter = 0;

export function writeFileAtomic(path: string, data: string, opts: { overwrite: boolean }): void {
  // Unique among live processes (pid) and within this one (counter); O_EXCL refuses a clash
  // with a leftover of a crashed run. (No node:crypto: it costs every command startup time.)
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${process.hrtime.bigint()}.${tmpCounter++}.tmp`,
  );
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    try {
      const bytes = Buffer.from(data, 'utf8');
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (opts.overwrite) renameSync(tmp, path);
    else linkSync(tmp, path);
  } finally {
    if (!opts.overwrite) unlinkSync(tmp);
    else tryUnlink(tmp);
  }
}

function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already renamed into place
  }
}

export class TooLargeError extends Error {}
export class PermissionsError extends Error {
  constructor(readonly mode: number) {
    super(`mode ${(mode & 0o777).toString(8).padStart(4, '0')}`);
  }
}

/**
 * Reads a whole file of at most `limit` bytes without following a symlink at the last component
 * when `secret` is set; a secret file readable by group or others is refused.
 */
export function readFileBounded(
  path: string,
  limit: number,
  opts: { secret?: boolean } = {},
): Buffer {
  const flags = constants.O_RDONLY | (opts.secret ? constants.O_NOFOLLOW : 0);
  const fd = openSync(path, flags);
  try {
    const st = fstatSync(fd);
    if (opts.secret && (st.mode & 0o077) !== 0) throw new PermissionsError(st.mode);
    if (st.isFile() && st.size > limit) throw new TooLargeError(`larger than ${limit} bytes`);
    return readAll(fd, limit);
  } finally {
    closeSync(fd);
  }
}

/** Reads stdin (fd 0) to its end, refusing more than `limit` bytes. */
export function readStdinBounded(limit: number): Buffer {
  return readAll(0, limit);
}

function readAll(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      // A non-blocking stdin (pipe set up by some parents) has no data yet: wait and retry.
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        sleep(5);
        continue;
      }
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > limit) throw new TooLargeError(`larger than ${limit} bytes`);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks, total);
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * An exclusive lock file holding our pid, waited for up to `waitMs`. A lock whose pid is no
 * longer running (a crashed kez) is taken over. On timeout, returns the pid holding it.
 */
export function acquireLock(
  path: string,
  waitMs: number,
): { release(): void } | { holder: number } {
  const deadline = Date.now() + waitMs;
  for (;;) {
    // The lock appears with its pid already inside (temp file + link), so no reader ever sees
    // an empty lock and mistakes it for a stale one.
    try {
      writeFileAtomic(path, `${process.pid}\n`, { overwrite: false });
      const release = () => {
        process.off('exit', release);
        tryUnlink(path);
      };
      process.on('exit', release); // also when something calls process.exit() first
      return { release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = lockHolder(path);
    if (holder !== undefined && !isRunning(holder)) {
      tryUnlink(path);
      continue;
    }
    if (Date.now() >= deadline) return { holder: holder ?? 0 };
    sleep(20);
  }
}

function lockHolder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
