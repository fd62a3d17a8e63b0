// SPEC §8.3: a fenced ```kez block in a Markdown page.
import { fail } from '../errors.js';
import { utf8Length } from '../bytes.js';
import { canonicalize, parseCanonical } from '../jcs.js';
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

export function decodeMarkdown(text: string): SignedObject {
  if (typeof text !== 'string') fail('malformed', 'Markdown must be a string');
  if (text.length > MAX_MARKDOWN_BYTES || utf8Length(text) > MAX_MARKDOWN_BYTES) {
    fail('too_large', `Markdown exceeds ${MAX_MARKDOWN_BYTES} bytes`);
  }
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
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
  return parseObject(parseCanonical(payload));
}
