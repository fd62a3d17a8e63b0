// Time options take Unix seconds and ISO 8601 dates and date-times; --expires-in takes a
// duration; anything else is a usage error naming the accepted forms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDurationInput, parseTimeInput } from '../src/time-input.js';
import { NOW, ok, runJson, tempHome } from './cli.js';

describe('time input', () => {
  it('reads Unix seconds and ISO 8601 dates and date-times (with a zone)', () => {
    expect(parseTimeInput('1800000000')).toBe(1_800_000_000);
    expect(parseTimeInput('2027-01-01')).toBe(1_798_761_600);
    expect(parseTimeInput('2027-01-01T00:00:00Z')).toBe(1_798_761_600);
    expect(parseTimeInput('2027-01-01T02:00+02:00')).toBe(1_798_761_600);
    expect(parseTimeInput('2026-12-31T19:00:00.5-05:00')).toBe(1_798_761_600);
    for (const bad of ['2027-01-01T00:00:00', '2027-02-30', 'soon', '-1', '01', '1e9', ''])
      expect(parseTimeInput(bad), bad).toBeUndefined();
  });

  it('reads durations: units and ISO 8601', () => {
    expect(parseDurationInput('30d')).toBe(30 * 86400);
    expect(parseDurationInput('1w2d')).toBe(9 * 86400);
    expect(parseDurationInput('12h')).toBe(12 * 3600);
    expect(parseDurationInput('1y')).toBe(365 * 86400);
    expect(parseDurationInput('P30D')).toBe(30 * 86400);
    expect(parseDurationInput('PT1H30M')).toBe(5400);
    for (const bad of ['30', 'P', 'PT', '0d', '3 days', 'P1M2'])
      expect(parseDurationInput(bad), bad).toBeUndefined();
  });
});

describe('time options', () => {
  const t = tempHome();
  beforeAll(async () => {
    await ok(['key', 'gen'], { home: t.home });
    await ok(['sigchain', 'init'], { home: t.home });
  });
  afterAll(() => t.cleanup());

  it('--expires-at takes ISO 8601 and Unix seconds; --expires-in a duration', async () => {
    const iso = await runJson(
      ['sigchain', 'add', 'github:iso', '--expires-at', '2027-01-01T00:00:00Z'],
      { home: t.home },
    );
    expect(iso.doc.claim.expires_at).toBe(1_798_761_600);
    const unix = await runJson(['sigchain', 'add', 'github:unix', '--expires-at', '1800000000'], {
      home: t.home,
    });
    expect(unix.doc.claim.expires_at).toBe(1_800_000_000);
    const rel = await runJson(['sigchain', 'add', 'github:rel', '--expires-in', '30d'], {
      home: t.home,
    });
    expect(rel.doc.claim.expires_at).toBe(NOW + 30 * 86400);
    const now = await runJson(['--now', '2025-10-09T08:53:20Z', 'key', 'list'], {
      home: t.home,
      realClock: true,
    });
    expect(now.code).toBe(0);
  });

  it('a bad time or duration is a usage error naming the accepted forms', async () => {
    const bad = await runJson(['sigchain', 'add', 'github:x', '--expires-at', 'tomorrow'], {
      home: t.home,
    });
    expect(bad.code).toBe(2);
    expect(bad.doc.error.code).toBe('bad_time');
    expect(bad.doc.error.hint).toMatch(/Unix seconds/);
    expect(bad.doc.error.hint).toMatch(/ISO 8601/);
    const dur = await runJson(['sigchain', 'add', 'github:x', '--expires-in', '30'], {
      home: t.home,
    });
    expect(dur.code).toBe(2);
    expect(dur.doc.error.hint).toMatch(/30d/);
    const both = await runJson(
      ['sigchain', 'add', 'github:x', '--expires-at', '2027-01-01', '--expires-in', '1d'],
      { home: t.home },
    );
    expect(both.code).toBe(2);
    const now = await runJson(['--now', 'yesterday', 'key', 'list'], { realClock: true });
    expect(now.code).toBe(2);
    expect(now.doc.error.message).toMatch(/ISO 8601/);
  });
});
