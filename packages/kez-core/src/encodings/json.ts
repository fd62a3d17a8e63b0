// SPEC §8.1: the JSON encoding is exactly JCS(o), optionally followed by one LF.
import { canonicalize, parseCanonicalText } from '../jcs.js';
import { parseObject, type SignedObject } from '../objects.js';

export function encodeJson(obj: SignedObject): string {
  return canonicalize(obj);
}

export function decodeJson(text: string): SignedObject {
  return decodeJsonJcs(text).object;
}

/** decodeJson, with JCS(object) as checked while decoding. */
export function decodeJsonJcs(text: string): { object: SignedObject; jcs: string } {
  const { value, jcs } = parseCanonicalText(text);
  return { object: parseObject(value), jcs };
}
