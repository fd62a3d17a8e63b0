// Files named on the command line: reading FILE|- (bounded, UTF-8 checked) and writing --out FILE.
import { writeFileSync } from 'node:fs';
import { readFileBounded, readStdinBounded } from './fs-safe.js';
import { localError } from './errors.js';

export interface InputText {
  /** The decoded text, or undefined when the bytes are not UTF-8. */
  text: string | undefined;
  bytes: number;
  source: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The verdict on input whose bytes are not UTF-8 (`what`: "input", "bundle" …). */
export const notUtf8 = (what: string) => ({
  status: 'invalid' as const,
  code: 'malformed' as const,
  reason: `the ${what} is not UTF-8 text`,
  evidence: {},
});

/** Reads FILE (or stdin for `-`), refusing more than `limit` bytes (TooLargeError). */
export function readInput(spec: string, limit: number): InputText {
  let buf: Buffer;
  try {
    buf = spec === '-' ? readStdinBounded(limit) : readFileBounded(spec, limit);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    const what =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : code;
    throw localError(
      'file',
      `cannot read ${spec === '-' ? 'stdin' : spec}: ${what}`,
      'check the path; use - to read from stdin',
    );
  }
  let text: string | undefined;
  try {
    text = utf8.decode(buf);
  } catch {
    text = undefined;
  }
  return { text, bytes: buf.length, source: spec === '-' ? 'stdin' : spec };
}

/** --out FILE, with `-` meaning stdout (undefined: write to stdout). */
export const outFile = (out: string | undefined): string | undefined =>
  out === '-' ? undefined : out;

/** Writes a public artefact (a bundle, an encoded claim) for --out; an existing file only with --force. */
export function writeUserFile(path: string, text: string, force: boolean): void {
  try {
    writeFileSync(path, text, { flag: force ? 'w' : 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw localError(
        'file_exists',
        `${path} already exists`,
        'pass --force to overwrite it, or give another path (--out - writes to stdout)',
      );
    throw localError(
      'file',
      `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      'check the path and its directory permissions',
    );
  }
}
