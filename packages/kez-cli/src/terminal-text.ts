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
