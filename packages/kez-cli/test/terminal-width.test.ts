// Output that fits the terminal (issue 14 item 5): on a pty 60 or 120 columns wide no line of
// `sigchain show` is wider, the status comes first and long ids are shortened with a middle `…`;
// --json keeps them whole. Progress is one line, cleared when the result prints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnsOf, runKezOnTerminal, screenLines } from '@kez/test-kit/kez-bin';
import { cutLine, displayWidth, fitLine } from '../src/terminal-text.js';
import { NOW, ok, run, runJson, tempHome } from './cli.js';

const ESC = '\u001b';
const t = tempHome();
const onTerminal = (args: string[], columns: number, env: Record<string, string> = {}) =>
  runKezOnTerminal(t.home, ['--now', String(NOW), ...args], columns, env);

beforeAll(async () => {
  await ok(['key', 'gen'], { home: t.home });
  await ok(['sigchain', 'init'], { home: t.home });
  for (const s of ['github:someone-with-a-rather-long-name', 'dns:example.org', 'github:x'])
    await ok(['sigchain', 'add', s], { home: t.home });
});
afterAll(() => t.cleanup());

describe('sigchain show on a terminal', () => {
  it.each([60, 120])('at %i columns: no line wider, status first, ids shortened', async (cols) => {
    const r = await onTerminal(['sigchain', 'show'], cols);
    expect(r.code).toBe(0);
    const lines = screenLines(r.screen).filter((l) => l !== '');
    for (const l of lines) expect(columnsOf(l), l).toBeLessThanOrEqual(cols);
    expect(lines[0]).toMatch(/^✔ VALID {2}/);
    const doc = (await runJson(['sigchain', 'show'], { home: t.home })).doc;
    expect(doc.identity).toMatch(/^kez:id:[0-9a-f]{64}$/);
    const shown = lines.find((l) => l.startsWith('identity'))!;
    if (cols === 120) expect(shown).toContain(doc.identity);
    else expect(shown).toMatch(/^identity {2}kez:id:[0-9a-f]+…[0-9a-f]+$/);
    // --json on the same terminal: the whole ids
    const j = await onTerminal(['-q', '--json', 'sigchain', 'show'], cols);
    expect(JSON.parse(j.screen)).toEqual(doc);
  });

  it('piped without COLUMNS: nothing shortened; with COLUMNS: fitted', async () => {
    const doc = (await runJson(['sigchain', 'show'], { home: t.home })).doc;
    const piped = await ok(['sigchain', 'show'], { home: t.home });
    expect(piped.stdout).toContain(doc.identity);
    expect(piped.stdout).toContain(doc.head.hash);
    const narrow = await ok(['sigchain', 'show'], { home: t.home, env: { COLUMNS: '60' } });
    for (const l of narrow.stdout.split('\n')) expect(columnsOf(l), l).toBeLessThanOrEqual(60);
    expect(narrow.stdout).not.toContain(doc.head.hash);
  });
});

describe('progress on a terminal', () => {
  it('one line on stderr, cleared with \\r\\x1b[K before the result', async () => {
    const r = await onTerminal(['claim', 'github:p1', '--format', 'compact'], 80);
    expect(r.code).toBe(0);
    expect(r.screen).toContain(`compressing the claim…${ESC}[22m\r${ESC}[K`);
    expect(screenLines(r.screen)).not.toContain('compressing the claim…');
    expect(r.screen).toMatch(/added at seq/); // after the result: a line that stays
  });

  it('NO_COLOR: plain lines as before, no redraw', async () => {
    const r = await onTerminal(['claim', 'github:p2', '--format', 'compact'], 80, {
      NO_COLOR: '1',
    });
    expect(r.screen).toMatch(/compressing the claim…\r?\n/);
    expect(r.screen).not.toContain(`${ESC}[K`);
  });

  it('piped: nothing on stderr', async () => {
    const r = await run(['claim', 'github:p3', '--format', 'compact'], { home: t.home });
    expect(r.stderr).toBe('');
  });
});

describe('fitLine / cutLine', () => {
  const id = `kez:id:${'0123456789abcdef'.repeat(4)}`;
  it('shortens a long id in the middle first, keeping its ends', () => {
    const line = fitLine(`identity  ${id}`, 40);
    expect(displayWidth(line)).toBeLessThanOrEqual(40);
    expect(line).toMatch(/^identity {2}kez:id:0123.*….*cdef$/);
  });
  it('never cuts inside a colour sequence or a visible escape, and keeps colours balanced', () => {
    const red = `${ESC}[31m${id}${ESC}[39m \\x1b[2K${'\\u202e'.repeat(10)}`;
    for (const w of [20, 25, 33, 47]) {
      for (const out of [cutLine(red, w), fitLine(red, w)]) {
        for (const l of out.split('\n')) expect(displayWidth(l)).toBeLessThanOrEqual(w);
        expect(out.split(`${ESC}[31m`).length).toBe(2);
        expect(out.split(`${ESC}[39m`).length).toBe(2);
        expect(out.split(`${ESC}[31m`).join('').split(`${ESC}[39m`).join('')).not.toContain(ESC);
        expect(out).not.toMatch(/\\(x1?|u2?0?2?)…|\\(x1|u20?2?)$/m);
      }
    }
  });
  it('prose wraps at spaces rather than being cut', () => {
    const out = fitLine('  a reason with many words that will not fit on one line', 24);
    expect(out.split('\n').every((l) => displayWidth(l) <= 24)).toBe(true);
    expect(out.replace(/\n +/g, ' ').trim()).toBe(
      'a reason with many words that will not fit on one line',
    );
  });
  it('leaves a line that fits alone', () => {
    expect(fitLine('✔ VALID  short', 20)).toBe('✔ VALID  short');
  });
});
