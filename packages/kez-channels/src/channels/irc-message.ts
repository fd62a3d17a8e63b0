// IRC lines as RFC 1459 §2.3.1 / RFC 2812 §2.3.1 frame and parse them: CR LF (or a lone LF)
// ends a message, a message is at most 512 bytes with its CR LF, `[@tags ][:prefix ]command
// params…[ :trailing]`. Pure (no I/O), so the plugin runs in a browser bundle.
import { KezError } from '@kez/core';

/** RFC 2812 §2.3: 512 bytes, CR LF included. IRCv3 tags are never asked for (no CAP), so none may come. */
export const MAX_LINE_BYTES = 512;

export interface IrcPrefix {
  /** The nick, or a server's name when the prefix has no `!`/`@`. */
  name: string;
  user?: string;
  host?: string;
}

export interface IrcMessage {
  prefix?: IrcPrefix;
  /** Upper-cased command or three-digit numeric. */
  command: string;
  params: string[];
}

function parsePrefix(text: string): IrcPrefix {
  const at = text.indexOf('@');
  const bang = text.indexOf('!');
  if (bang < 0 && at < 0) return { name: text };
  const nickEnd = bang >= 0 ? bang : at;
  return {
    name: text.slice(0, nickEnd),
    ...(bang >= 0 ? { user: text.slice(bang + 1, at >= 0 ? at : undefined) } : {}),
    ...(at >= 0 ? { host: text.slice(at + 1) } : {}),
  };
}

/** One message, or undefined for a line that is not one (empty, or no command). */
export function parseMessage(line: string): IrcMessage | undefined {
  let rest = line;
  const word = () => {
    const sp = rest.indexOf(' ');
    const w = sp < 0 ? rest : rest.slice(0, sp);
    rest = sp < 0 ? '' : rest.slice(sp + 1).replace(/^ +/, '');
    return w;
  };
  if (rest.startsWith('@')) word(); // message tags: not read
  let prefix: IrcPrefix | undefined;
  if (rest.startsWith(':')) prefix = parsePrefix(word().slice(1));
  const command = word().toUpperCase();
  if (!/^(?:[A-Z]+|[0-9]{3})$/.test(command)) return undefined;
  const params: string[] = [];
  while (rest !== '') {
    if (rest.startsWith(':')) {
      params.push(rest.slice(1));
      break;
    }
    params.push(word());
  }
  return { ...(prefix ? { prefix } : {}), command, params };
}

/**
 * mIRC formatting (bold, colour, hex colour, reset, reverse, italic, strike, underline,
 * monospace), which services put around names: removed so the text can be compared.
 */
const FORMATTING =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the formatting codes are controls
  /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9A-Fa-f]{6}(?:,[0-9A-Fa-f]{6})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g;

export function stripFormatting(text: string): string {
  return text.replace(FORMATTING, '');
}

/**
 * A name from the server (a host, a server or account name) as it may appear in a message:
 * visible ASCII only, the rest `?`, at most 64 characters. (The CLI escapes all output too.)
 */
export function shown(name: string): string {
  return name.replace(/[^\x21-\x7e]/g, '?').slice(0, 64);
}

/** ASCII case-insensitive equality (what KEZ's irc grammar folds; SPEC §2.2). */
export function sameAscii(a: string, b: string): boolean {
  return (
    a.length === b.length &&
    a.replace(/[A-Z]/g, (c) => c.toLowerCase()) === b.replace(/[A-Z]/g, (c) => c.toLowerCase())
  );
}

/** Splits a byte stream into lines; a line longer than MAX_LINE_BYTES is too_large. */
export class LineReader {
  private pending = new Uint8Array(0);
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(private readonly where: string) {}

  /** The complete lines in `chunk` (after what came before), without CR LF. */
  push(chunk: Uint8Array): string[] {
    const data = new Uint8Array(this.pending.length + chunk.length);
    data.set(this.pending);
    data.set(chunk, this.pending.length);
    const lines: string[] = [];
    let start = 0;
    for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, start)) {
      if (i + 1 - start > MAX_LINE_BYTES) throw this.tooLong();
      const end = i > start && data[i - 1] === 13 ? i - 1 : i;
      lines.push(this.decoder.decode(data.subarray(start, end)));
      start = i + 1;
    }
    this.pending = data.slice(start);
    if (this.pending.length > MAX_LINE_BYTES) throw this.tooLong();
    return lines;
  }

  private tooLong(): KezError {
    return new KezError(
      'too_large',
      `${this.where}: an IRC line longer than ${MAX_LINE_BYTES} bytes (RFC 2812 §2.3)`,
      { host: this.where, limit: MAX_LINE_BYTES },
    );
  }
}
