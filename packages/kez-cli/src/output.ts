// Where every byte a command prints goes. Under --json stdout carries exactly one JSON document
// (results and errors alike) and nothing else; human text goes to stdout, progress and warnings
// to stderr. Colour only when allowed (NO_COLOR, --no-color, non-TTY, TERM=dumb turn it off).
// Every human line is escaped for the terminal at the sink (terminal-text.ts), so remote text
// that reached it unescaped still cannot repaint the screen; colour survives because paint()
// marks it with tokens no remote text can know (a per-run nonce), turned into ANSI only then.
// Human results fit the terminal's width (columnsFor): long ids are shortened in the middle,
// prose wraps; on a colour terminal progress is one line on stderr, cleared when the result prints.
import { randomBytes } from 'node:crypto';
import { cutLine, escapeTerminalLines, fitLine } from './terminal-text.js';

export type Tone = 'good' | 'bad' | 'warn' | 'dim' | 'bold';

const ANSI: Record<Tone, [string, string]> = {
  good: ['\x1b[32m', '\x1b[39m'],
  bad: ['\x1b[31m', '\x1b[39m'],
  warn: ['\x1b[33m', '\x1b[39m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  bold: ['\x1b[1m', '\x1b[22m'],
};

export interface Stream {
  write(chunk: string | Uint8Array): boolean;
  isTTY?: boolean;
  /** The terminal's width (a TTY's `columns`). */
  columns?: number;
}

export interface OutputOptions {
  json: boolean;
  /** false when --no-color was given */
  colorFlag: boolean;
  quiet: boolean;
  env: NodeJS.ProcessEnv;
  stdout: Stream;
  stderr: Stream;
}

/** no-color.org: NO_COLOR present and not empty disables colour; so do --no-color, TERM=dumb and a non-TTY. */
export function colorAllowed(stream: Stream, colorFlag: boolean, env: NodeJS.ProcessEnv): boolean {
  if (!colorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/**
 * The width human output fits: a terminal's own width, else $COLUMNS, else 80 on a terminal;
 * undefined (no fitting) when the stream is not a terminal and $COLUMNS is unset.
 */
export function columnsFor(stream: Stream, env: NodeJS.ProcessEnv): number | undefined {
  const own = stream.isTTY === true ? stream.columns : undefined;
  const fromEnv = /^[1-9][0-9]{0,4}$/.test(env.COLUMNS ?? '') ? Number(env.COLUMNS) : undefined;
  const width = own !== undefined && own > 0 ? own : (fromEnv ?? (stream.isTTY ? 80 : undefined));
  return width === undefined ? undefined : Math.max(MIN_COLUMNS, width);
}

/** Narrower than this, nothing fits usefully; lines are fitted to it anyway. */
const MIN_COLUMNS = 20;

export interface ErrorDoc {
  code: string;
  message: string;
  hint: string;
}

const TONES = Object.keys(ANSI) as Tone[];

export class Output {
  readonly json: boolean;
  private readonly colorOut: boolean;
  private readonly colorErr: boolean;
  private documentWritten = false;
  /** Human results fit this width (undefined: printed as they are). */
  readonly columns: number | undefined;
  private readonly errColumns: number;
  /** Progress is one line redrawn in place (a colour terminal on stderr). */
  private readonly liveProgress: boolean;
  /** A live progress line is on the screen, not yet cleared. */
  private progressShown = false;
  private resultWritten = false;
  /** `\ue000<nonce><tone index><o|c>\ue001`: a colour mark only paint() can write. */
  private readonly nonce = randomBytes(12).toString('hex');
  private readonly marks = new RegExp(`\ue000${this.nonce}(\\d+)([oc])\ue001`, 'g');

  constructor(private readonly opts: OutputOptions) {
    this.json = opts.json;
    this.colorOut = colorAllowed(opts.stdout, opts.colorFlag, opts.env);
    this.colorErr = colorAllowed(opts.stderr, opts.colorFlag, opts.env);
    this.columns = columnsFor(opts.stdout, opts.env);
    this.errColumns = columnsFor(opts.stderr, opts.env) ?? 80;
    this.liveProgress = this.colorErr && opts.stderr.isTTY === true;
  }

  /** Colour for text bound for stdout. */
  paint(tone: Tone, text: string): string {
    if (!this.colorOut) return text;
    const i = TONES.indexOf(tone);
    return `\ue000${this.nonce}${i}o\ue001${text}\ue000${this.nonce}${i}c\ue001`;
  }

  /** Human text as the terminal gets it: escaped, then paint()'s marks made ANSI colour. */
  private human(text: string): string {
    const painted = escapeTerminalLines(text).replace(this.marks, (_m, i: string, end: string) => {
      const [open, close] = ANSI[TONES[Number(i)]!];
      return end === 'o' ? open : close;
    });
    const width = this.columns;
    if (width === undefined) return painted;
    return painted
      .split('\n')
      .map((line) => fitLine(line, width))
      .join('\n');
  }

  /**
   * The result of a command: `doc` under --json, else the human text (built lazily, since
   * only one of the two is printed).
   */
  result(doc: unknown, human: () => string): void {
    this.clearProgress();
    this.resultWritten = true;
    if (this.json) this.document(doc);
    else writeLine(this.opts.stdout, this.human(human()));
  }

  /** Bytes that must reach stdout unchanged (an exported bundle, an encoded claim). */
  raw(text: string): void {
    this.clearProgress();
    this.opts.stdout.write(text);
  }

  /**
   * A progress line: only for a person watching (stderr is a TTY) and not --quiet. On a colour
   * terminal it is one line, redrawn by the next and cleared (`\r\x1b[K`) when the result
   * prints; `persist` (an instruction to keep reading) and lines after the result stay.
   * Elsewhere (NO_COLOR, --no-color, TERM=dumb) each is a plain line.
   */
  progress(message: string, opts: { persist?: boolean } = {}): void {
    if (this.opts.quiet || this.opts.stderr.isTTY !== true) return;
    const text = escapeTerminalLines(message);
    this.clearProgress();
    if (!this.liveProgress || opts.persist === true || this.resultWritten) {
      writeLine(this.opts.stderr, this.colorErr ? wrap('dim', text) : text);
      return;
    }
    const line = cutLine(text.replace(/\n/g, ' '), this.errColumns - 1);
    this.opts.stderr.write(wrap('dim', line));
    this.progressShown = true;
  }

  /** The end of the run: a live progress line still showing is cleared. */
  finish(): void {
    this.clearProgress();
  }

  private clearProgress(): void {
    if (!this.progressShown) return;
    this.progressShown = false;
    this.opts.stderr.write('\r\x1b[K');
  }

  /** A warning: always to stderr, never into stdout (so --json stays one document). */
  warn(message: string): void {
    this.clearProgress();
    const label = this.colorErr ? wrap('warn', 'warning:') : 'warning:';
    writeLine(this.opts.stderr, `${label} ${escapeTerminalLines(message)}`);
  }

  error(err: ErrorDoc): void {
    this.clearProgress();
    if (this.json) {
      this.document({ error: { code: err.code, message: err.message, hint: err.hint } });
      return;
    }
    const label = this.colorErr ? wrap('bad', 'error:') : 'error:';
    const hint = err.hint
      ? `\n${this.colorErr ? wrap('dim', 'hint:') : 'hint:'} ${escapeTerminalLines(err.hint)}`
      : '';
    writeLine(this.opts.stderr, `${label} ${escapeTerminalLines(err.message)}${hint}`);
  }

  private document(doc: unknown): void {
    // A second document would break every consumer that parses stdout as one JSON value.
    if (this.documentWritten) throw new Error('internal: a second JSON document on stdout');
    this.documentWritten = true;
    writeLine(this.opts.stdout, JSON.stringify(doc));
  }
}

function wrap(tone: Tone, text: string): string {
  const [open, close] = ANSI[tone];
  return `${open}${text}${close}`;
}

function writeLine(stream: Stream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
