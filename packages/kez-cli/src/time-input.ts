// Times and durations as a person types them: Unix seconds, ISO 8601 dates and date-times,
// and durations (30d, 12h, 1w2d, or ISO 8601 P30D / PT12H).

export const TIME_FORMS =
  'Unix seconds (1800000000), an ISO 8601 date (2027-01-01, midnight UTC) or date-time with a zone (2027-01-01T00:00:00Z, 2027-01-01T09:00+02:00)';
export const DURATION_FORMS =
  'a number with a unit s, m, h, d, w or y (30d, 12h, 1w2d; y = 365d), or ISO 8601 (P30D, PT12H, P1Y)';

const UNIX = /^(0|[1-9][0-9]{0,15})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/;

/** Unix seconds for `value`, or undefined when it is none of TIME_FORMS. */
export function parseTimeInput(value: string): number | undefined {
  if (UNIX.test(value)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const d = ISO_DATE.exec(value);
  if (d)
    return validDate(+d[1]!, +d[2]!, +d[3]!)
      ? Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!) / 1000
      : undefined;
  const t = ISO_DATETIME.exec(value);
  if (!t) return undefined;
  const [, y, mo, da, h, mi, s = '0', zone] = t;
  if (!validDate(+y!, +mo!, +da!) || +h! > 23 || +mi! > 59 || +s > 59) return undefined;
  let offset = 0;
  if (zone!.toUpperCase() !== 'Z') {
    const z = zone!.replace(':', '');
    const oh = Number(z.slice(1, 3));
    const om = Number(z.slice(3, 5));
    if (oh > 23 || om > 59) return undefined;
    offset = (z[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return Date.UTC(+y!, +mo! - 1, +da!, +h!, +mi!, +s) / 1000 - offset;
}

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

const UNITS: Record<string, number> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 7 * 86400,
  y: 365 * 86400,
};
const SHORT = /^(?:\d+[smhdwy])+$/;
const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Seconds for `value`, or undefined when it is none of DURATION_FORMS (or is zero). */
export function parseDurationInput(value: string): number | undefined {
  let total = 0;
  if (SHORT.test(value)) {
    for (const [, n, u] of value.matchAll(/(\d+)([smhdwy])/g)) total += Number(n) * UNITS[u!]!;
  } else {
    const m = ISO_DURATION.exec(value.toUpperCase());
    if (!m || value.toUpperCase() === 'P' || value.toUpperCase().endsWith('T')) return undefined;
    const [, y, w, d, h, mi, s] = m.map((x) => Number(x ?? 0));
    total = y! * UNITS.y! + w! * UNITS.w! + d! * UNITS.d! + h! * 3600 + mi! * 60 + s!;
  }
  return total > 0 && Number.isSafeInteger(total) ? total : undefined;
}
