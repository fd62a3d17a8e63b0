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

/** Writes a public artefact (a bundle, an encoded claim) for --out. */
export function writeUserFile(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw localError(
      'file',
      `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      'check the path and its directory permissions',
    );
  }
}
