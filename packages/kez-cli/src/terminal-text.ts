// Text from the network or a chain, made safe for a terminal: every control character (C0, DEL,
// C1 — so ESC/CSI/OSC sequences, BEL, CR, backspace), and the Unicode bidi controls, shown
// visibly escaped (`\x1b`, `\u202e`) instead of acted on. `--json` carries the exact text.

const BIDI = new Set([0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e]);

function unsafe(n: number): boolean {
  return n < 0x20 || (n >= 0x7f && n <= 0x9f) || BIDI.has(n) || (n >= 0x2066 && n <= 0x2069);
}

function escapeWith(text: string, keepLf: boolean): string {
  let out = '';
  for (const c of text) {
    const n = c.codePointAt(0)!;
    if (!unsafe(n) || (keepLf && n === 0x0a)) out += c;
    else if (n <= 0xff) out += `\\x${n.toString(16).padStart(2, '0')}`;
    else out += `\\u${n.toString(16).padStart(4, '0')}`;
  }
  return out;
}

/** One value for a line of human output: nothing in it can move the cursor or reorder text. */
export function escapeTerminal(text: string): string {
  return escapeWith(text, false);
}

/** A whole block of human output: as escapeTerminal, but its own line breaks kept. */
export function escapeTerminalLines(text: string): string {
  return escapeWith(text, true);
}

// Fitting human output to the terminal's width. A line is read as atoms that are never cut: the
// SGR colour sequences Output itself writes (zero width), the visible escapes above (`\x1b`,
// `\u202e`) and grapheme clusters (width 0, 1 or 2). So shortening runs after escaping, and no
// cut can land inside an escape sequence or split a character.

interface Atom {
  text: string;
  width: number;
  /** A colour sequence: kept whatever is cut, so colours stay balanced. */
  sgr: boolean;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the ESC of the colour sequences Output writes
const PIECES = /(\u001b\[[0-9;]*m)|(\\x[0-9a-f]{2}|\\u[0-9a-f]{4})/g;
// Made on first use: creating a Segmenter loads ICU data, which start-up should not pay for.
let graphemes: Intl.Segmenter | undefined;
const ZERO_WIDTH = /^(?:\p{Mn}|\p{Me}|\p{Cf})+$/u;

function wide(n: number): boolean {
  return (
    (n >= 0x1100 && n <= 0x115f) ||
    (n >= 0x2e80 && n <= 0x303e) ||
    (n >= 0x3041 && n <= 0x33ff) ||
    (n >= 0x3400 && n <= 0x4dbf) ||
    (n >= 0x4e00 && n <= 0x9fff) ||
    (n >= 0xa000 && n <= 0xa4cf) ||
    (n >= 0xac00 && n <= 0xd7a3) ||
    (n >= 0xf900 && n <= 0xfaff) ||
    (n >= 0xfe30 && n <= 0xfe4f) ||
    (n >= 0xff00 && n <= 0xff60) ||
    (n >= 0xffe0 && n <= 0xffe6) ||
    (n >= 0x1f300 && n <= 0x1f64f) ||
    (n >= 0x1f900 && n <= 0x1f9ff) ||
    (n >= 0x20000 && n <= 0x3fffd)
  );
}

function graphemeWidth(g: string): number {
  if (ZERO_WIDTH.test(g)) return 0;
  return wide(g.codePointAt(0)!) || g.includes('\ufe0f') ? 2 : 1;
}

function atoms(text: string): Atom[] {
  const out: Atom[] = [];
  const plain = (s: string) => {
    graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    for (const { segment } of graphemes.segment(s))
      out.push({ text: segment, width: graphemeWidth(segment), sgr: false });
  };
  let last = 0;
  for (const m of text.matchAll(PIECES)) {
    plain(text.slice(last, m.index));
    out.push({ text: m[0], width: m[1] ? 0 : m[0].length, sgr: m[1] !== undefined });
    last = m.index + m[0].length;
  }
  plain(text.slice(last));
  return out;
}

const widthOf = (list: readonly Atom[]) => list.reduce((n, a) => n + a.width, 0);
const join = (list: readonly Atom[]) => list.map((a) => a.text).join('');

/** The columns a line takes on a terminal (colour sequences take none). */
export function displayWidth(line: string): number {
  return widthOf(atoms(line));
}

/** `head…tail` in `max` columns; the colour sequences of the part left out are kept. */
function middle(list: readonly Atom[], max: number): Atom[] {
  if (widthOf(list) <= max) return [...list];
  const room = Math.max(0, max - 1);
  const headRoom = Math.ceil(room / 2);
  let i = 0;
  let used = 0;
  while (i < list.length && (list[i]!.sgr || used + list[i]!.width <= headRoom))
    used += list[i++]!.width;
  let j = list.length;
  let tailUsed = 0;
  while (j > i && (list[j - 1]!.sgr || tailUsed + list[j - 1]!.width <= room - used))
    tailUsed += list[--j]!.width;
  const kept = list.slice(i, j).filter((a) => a.sgr);
  return [...list.slice(0, i), ...kept, { text: '…', width: 1, sgr: false }, ...list.slice(j)];
}

/** `text…` in `max` columns, the colour sequences of the cut part kept. */
function tail(list: readonly Atom[], max: number): Atom[] {
  if (widthOf(list) <= max) return [...list];
  let i = 0;
  let used = 0;
  while (i < list.length && (list[i]!.sgr || used + list[i]!.width <= max - 1))
    used += list[i++]!.width;
  return [
    ...list.slice(0, i),
    { text: '…', width: 1, sgr: false },
    ...list.slice(i).filter((a) => a.sgr),
  ];
}

/** A word this long is an id (identity, key, hash, URL): it may be shortened in the middle… */
const LONG = 16;
/** …unless it is a time, or already shortened. */
const NOT_AN_ID = /^\(?\d{4}-\d\d-\d\dT[\d:.]+Z\)?$|…/;
/** …but not below this: 6 characters either side of the ellipsis still tell ids apart. */
const SHORTEST = 13;

/** Words of a line (space-separated), long ids shortened with `…` until it fits `width`. */
function shortenIds(line: string, width: number): Atom[][] {
  const words = line.split(' ').map(atoms);
  let over = words.reduce((n, w) => n + widthOf(w), 0) + words.length - 1 - width;
  const idLike = words.map(
    (w) => !NOT_AN_ID.test(join(w).replace(PIECES, (m, sgr) => (sgr ? '' : m))),
  );
  while (over > 0) {
    let at = -1;
    for (let k = 0; k < words.length; k++) {
      const w = widthOf(words[k]!);
      if (w < LONG || !idLike[k] || (at >= 0 && w <= widthOf(words[at]!))) continue;
      at = k;
    }
    if (at < 0) break;
    idLike[at] = false; // shortened once, to what is needed
    const w = widthOf(words[at]!);
    const target = Math.max(SHORTEST, w - over);
    words[at] = middle(words[at]!, target);
    over -= w - widthOf(words[at]!);
  }
  // Then alignment padding (a run of spaces between words becomes two), when that makes it fit;
  // else the line wraps with its alignment kept.
  const padding = words.filter((w, k) => k > 0 && w.length === 0 && words[k - 1]!.length === 0);
  if (over > padding.length) return words;
  for (let k = 1; over > 0 && k < words.length - 1; k++) {
    if (words[k]!.length === 0 && words[k - 1]!.length === 0) {
      words.splice(k--, 1);
      over--;
    }
  }
  return words;
}

/**
 * One line of human output in `width` columns: long ids shortened in the middle first; prose
 * that still does not fit wraps at spaces (continuation lines indented past the line's own
 * indent); a single word wider than a line is cut with `…`.
 */
export function fitLine(line: string, width: number): string {
  if (displayWidth(line) <= width) return line;
  const indent = /^ */.exec(line)![0];
  const words = shortenIds(line.slice(indent.length), width - indent.length);
  const cont = ' '.repeat(Math.min(indent.length + 2, Math.floor(width / 3)));
  const space: Atom = { text: ' ', width: 1, sgr: false };
  const lines: string[] = [];
  let cur: Atom[] = [{ text: indent, width: indent.length, sgr: false }];
  let used = indent.length;
  let empty = true; // nothing but the indent on the current line yet
  for (const w of words) {
    const ww = widthOf(w);
    if (!empty && used + 1 + ww > width) {
      if (ww === 0) continue; // alignment padding at the end of a line
      lines.push(join(cur).replace(/ +$/, ''));
      cur = [{ text: cont, width: cont.length, sgr: false }];
      used = cont.length;
      empty = true;
    }
    if (!empty) {
      cur.push(space);
      used += 1;
    }
    const fit = tail(w, width - used);
    cur.push(...fit);
    used += widthOf(fit);
    if (ww > 0) empty = false;
  }
  lines.push(join(cur));
  return lines.join('\n');
}

/** One line in `width` columns, never wrapped (a progress line): ids shortened, then cut with `…`. */
export function cutLine(line: string, width: number): string {
  if (displayWidth(line) <= width) return line;
  const words = shortenIds(line, width);
  const list: Atom[] = [];
  words.forEach((w, k) => {
    if (k > 0) list.push({ text: ' ', width: 1, sgr: false });
    list.push(...w);
  });
  return join(tail(list, width));
}
