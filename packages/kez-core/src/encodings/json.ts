// SPEC §8.1: the JSON encoding is exactly JCS(o), optionally followed by one LF.
import { canonicalize, parseCanonical } from '../jcs.js';
import { parseObject, type SignedObject } from '../objects.js';

export function encodeJson(obj: SignedObject): string {
  return canonicalize(obj);
}

export function decodeJson(text: string): SignedObject {
  return parseObject(parseCanonical(text));
}
