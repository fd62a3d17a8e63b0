// Plain text from the small HTML fragments services put in profile fields. Not a sanitizer
// for display: it only recovers the text a KEZ decoder will read.
const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/** Tags removed (<br> and </p> become line breaks), entities decoded, in one linear pass. */
export function htmlToText(html: string): string {
  const withBreaks = html.replace(/<br\s*\/?>|<\/p>/gi, '\n');
  const noTags = withBreaks.replace(/<[^<>]*>/g, '');
  return noTags.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (m, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('#')) {
      const cp = lower.startsWith('#x')
        ? parseInt(lower.slice(2), 16)
        : parseInt(lower.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)
        ? String.fromCodePoint(cp)
        : m;
    }
    return ENTITIES[lower] ?? m;
  });
}
