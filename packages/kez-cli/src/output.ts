// Where every byte a command prints goes. Under --json stdout carries exactly one JSON document
// (results and errors alike) and nothing else; human text goes to stdout, progress and warnings
// to stderr. Colour only when allowed (NO_COLOR, --no-color, non-TTY, TERM=dumb turn it off).
// Every human line is escaped for the terminal at the sink (terminal-text.ts), so remote text
// that reached it unescaped still cannot repaint the screen; colour survives because paint()
// marks it with tokens no remote text can know (a per-run nonce), turned into ANSI only then.
import { randomBytes } from 'node:crypto';
import { escapeTerminalLines } from './terminal-text.js';

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
  /** `\ue000<nonce><tone index><o|c>\ue001`: a colour mark only paint() can write. */
  private readonly nonce = randomBytes(12).toString('hex');
  private readonly marks = new RegExp(`\ue000${this.nonce}(\\d+)([oc])\ue001`, 'g');

  constructor(private readonly opts: OutputOptions) {
    this.json = opts.json;
    this.colorOut = colorAllowed(opts.stdout, opts.colorFlag, opts.env);
    this.colorErr = colorAllowed(opts.stderr, opts.colorFlag, opts.env);
  }

  /** Colour for text bound for stdout. */
  paint(tone: Tone, text: string): string {
    if (!this.colorOut) return text;
    const i = TONES.indexOf(tone);
    return `\ue000${this.nonce}${i}o\ue001${text}\ue000${this.nonce}${i}c\ue001`;
  }

  /** Human text as the terminal gets it: escaped, then paint()'s marks made ANSI colour. */
  private human(text: string): string {
    return escapeTerminalLines(text).replace(this.marks, (_m, i: string, end: string) => {
      const [open, close] = ANSI[TONES[Number(i)]!];
      return end === 'o' ? open : close;
    });
  }

  /**
   * The result of a command: `doc` under --json, else the human text (built lazily, since
   * only one of the two is printed).
   */
  result(doc: unknown, human: () => string): void {
    if (this.json) this.document(doc);
    else writeLine(this.opts.stdout, this.human(human()));
  }

  /** Bytes that must reach stdout unchanged (an exported bundle, an encoded claim). */
  raw(text: string): void {
    this.opts.stdout.write(text);
  }

  /** A progress line: only for a person watching (stderr is a TTY) and not --quiet. */
  progress(message: string): void {
    if (this.opts.quiet || this.opts.stderr.isTTY !== true) return;
    const text = escapeTerminalLines(message);
    writeLine(this.opts.stderr, this.colorErr ? wrap('dim', text) : text);
  }

  /** A warning: always to stderr, never into stdout (so --json stays one document). */
  warn(message: string): void {
    const label = this.colorErr ? wrap('warn', 'warning:') : 'warning:';
    writeLine(this.opts.stderr, `${label} ${escapeTerminalLines(message)}`);
  }

  error(err: ErrorDoc): void {
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
