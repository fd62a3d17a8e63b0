// Chain text cannot repaint the terminal (issue 11): device names and revoke reasons carrying
// ESC/CSI/OSC, BEL, CR, backspace, DEL, C1 and bidi controls are shown escaped by `sigchain
// show`; --json keeps the exact text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, run, runJson, tempHome } from './cli.js';

/** Every kind of control the escaper must neutralize (fits the 64-byte device-name limit). */
const HOSTILE = '\u001b[2K\r\u001b]0;t\u0007\b\u007f\u009b\u202e\u2066\u200f\u061cok';
const SHOWN = '\\x1b[2K\\x0d\\x1b]0;t\\x07\\x08\\x7f\\x9b\\u202e\\u2066\\u200f\\u061cok';

/** The raw control characters in a text, other than its line breaks. */
function rawControls(text: string): string[] {
  return [...text].filter((c) => {
    const n = c.codePointAt(0)!;
    return (
      (n < 0x20 && n !== 0x0a) ||
      (n >= 0x7f && n <= 0x9f) ||
      [0x061c, 0x200e, 0x200f].includes(n) ||
      (n >= 0x202a && n <= 0x202e) ||
      (n >= 0x2066 && n <= 0x2069)
    );
  });
}

const t = tempHome();
beforeAll(async () => {
  await ok(['key', 'gen'], { home: t.home });
  await ok(['key', 'gen', '--name', 'laptop'], { home: t.home });
  await ok(['sigchain', 'init'], { home: t.home });
  await ok(['sigchain', 'add', 'github:alice'], { home: t.home });
  await ok(['sigchain', 'revoke', 'github:alice', '--reason', HOSTILE], { home: t.home });
  await ok(['sigchain', 'add-device', 'laptop', '--device-name', HOSTILE], { home: t.home });
});
afterAll(() => t.cleanup());

describe('sigchain show of a chain carrying terminal controls', () => {
  it('shows the device name and the revoke reason escaped, and nothing raw', async () => {
    const r = await run(['sigchain', 'show'], { home: t.home });
    expect(r.code).toBe(0);
    expect(rawControls(r.stdout)).toEqual([]);
    expect(r.stdout.split(SHOWN)).toHaveLength(3);
  });

  it('--json keeps the exact text', async () => {
    const { doc } = await runJson(['sigchain', 'show'], { home: t.home });
    expect(doc.devices[0].name).toBe(HOSTILE);
    expect(doc.claims[0].revoked_reason).toBe(HOSTILE);
  });
});
