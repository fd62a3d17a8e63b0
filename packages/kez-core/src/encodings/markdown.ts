// SPEC §8.3: a fenced ```kez block in a Markdown page.
import { fail } from '../errors.js';
import { utf8Length } from '../bytes.js';
import { canonicalize, parseCanonicalText } from '../jcs.js';
import { parseObject, type SignedObject } from '../objects.js';
import { MAX_MARKDOWN_BYTES } from '../limits.js';

const FENCE = '```kez';
const CLOSE = '```';

function summaryLine(obj: SignedObject): string {
  return obj.type === 'claim'
    ? `${obj.subject} is controlled by key ${obj.key} of identity ${obj.identity}.`
    : `A signed KEZ ${obj.type} by key ${obj.key}.`;
}

export function encodeMarkdown(obj: SignedObject): string {
  return `# KEZ ${obj.type}\n\n${summaryLine(obj)}\n\n${FENCE}\n${canonicalize(obj)}\n${CLOSE}\n`;
}

const BOM = '\uFEFF';

/**
 * The lines a renderer shows (SPEC §8.3): one leading BOM dropped, split at LF, one trailing CR
 * and then trailing spaces and tabs dropped from each line. JCS text ends in `}`, so no signed
 * byte is ever dropped; any other difference stays visible to the decoder.
 */
function pasteLines(text: string): string[] {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  return body.split('\n').map((l) => trimBlanks(l.endsWith('\r') ? l.slice(0, -1) : l));
}

/** Drops trailing spaces and tabs (a loop: a regex would backtrack on a long run of blanks). */
function trimBlanks(line: string): string {
  let end = line.length;
  while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
  return line.slice(0, end);
}

export function decodeMarkdown(text: string): SignedObject {
  return decodeMarkdownJcs(text).object;
}

/** decodeMarkdown, with JCS(object) as checked while decoding. */
export function decodeMarkdownJcs(text: string): { object: SignedObject; jcs: string } {
  if (typeof text !== 'string') fail('malformed', 'Markdown must be a string');
  if (text.length > MAX_MARKDOWN_BYTES || utf8Length(text) > MAX_MARKDOWN_BYTES) {
    fail('too_large', `Markdown exceeds ${MAX_MARKDOWN_BYTES} bytes`);
  }
  const lines = pasteLines(text);
  const at: number[] = [];
  lines.forEach((l, i) => {
    if (l === FENCE) at.push(i);
  });
  if (at.length === 0) fail('no_proof', 'no ```kez block');
  if (at.length > 1) fail('ambiguous', 'more than one ```kez block');
  const i = at[0]!;
  const payload = lines[i + 1];
  if (payload === undefined || lines[i + 2] !== CLOSE)
    fail('bad_encoding', 'the ```kez block must be one line followed by ```');
  const { value, jcs } = parseCanonicalText(payload);
  return { object: parseObject(value), jcs };
}
