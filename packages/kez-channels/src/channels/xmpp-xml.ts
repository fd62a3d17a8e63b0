// XMPP's XML stream (RFC 6120 §4, §11) read with a real streaming parser (saxes): the stream
// header, then each top-level element as one stanza tree. Hostile input ends the stream as a
// KezError: no DTD or processing instruction (§11.1), only XML's own entities, bounded depth
// and elements per stanza (the connection's byte cap bounds the rest).
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { KezError } from '@kez/core';

export interface XmlElement {
  /** Local name. */
  name: string;
  /** Namespace URI. */
  ns: string;
  /** Attributes by qualified name (namespace declarations left out). */
  attrs: Record<string, string>;
  children: Array<XmlElement | string>;
}

/** Nesting below a stanza's root; vCards and pubsub answers nest 5 deep. */
const MAX_DEPTH = 24;
/** Elements in one stanza: a vCard has tens. */
const MAX_ELEMENTS = 4096;

export function child(
  el: XmlElement | undefined,
  name: string,
  ns?: string,
): XmlElement | undefined {
  return el?.children.find(
    (c): c is XmlElement =>
      typeof c !== 'string' && c.name === name && (ns === undefined || c.ns === ns),
  );
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return (el?.children ?? []).filter(
    (c): c is XmlElement => typeof c !== 'string' && c.name === name,
  );
}

/** The element's own text (its direct text children). */
export function textOf(el: XmlElement | undefined): string {
  return (el?.children ?? []).filter((c) => typeof c === 'string').join('');
}

const escapeXml = (s: string, attr: boolean) =>
  s.replace(
    attr ? /[&<>"']/g : /[&<>]/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  );

/** XML text of an element, declaring its namespace where it differs from the parent's. */
export function serialize(el: XmlElement, parentNs = ''): string {
  let out = `<${el.name}`;
  if (el.ns !== parentNs) out += ` xmlns="${escapeXml(el.ns, true)}"`;
  // A prefixed attribute other than xml:* would need its prefix bound again: left out.
  for (const [k, v] of Object.entries(el.attrs))
    if (!k.includes(':') || k.startsWith('xml:')) out += ` ${k}="${escapeXml(v, true)}"`;
  if (el.children.length === 0) return `${out}/>`;
  out += '>';
  for (const c of el.children)
    out += typeof c === 'string' ? escapeXml(c, false) : serialize(c, el.ns);
  return `${out}</${el.name}>`;
}

export function element(
  name: string,
  ns: string,
  attrs: Record<string, string> = {},
  kids: Array<XmlElement | string> = [],
): XmlElement {
  return { name, ns, attrs, children: kids };
}

export interface StreamEvents {
  /** The peer's stream header (`<stream:stream …>`), its attributes by qualified name. */
  open(attrs: Record<string, string>): void;
  stanza(el: XmlElement): void;
  /** The stream ended (`</stream:stream>`) or broke (malformed XML, a bound passed). */
  end(e: KezError): void;
}

export const NS_STREAM = 'http://etherx.jabber.org/streams';

/**
 * One XML stream's reader: feed it the bytes as they come. A restart (after STARTTLS or SASL,
 * RFC 6120 §5.4.3.3, §6.4.6) is a new reader.
 */
export function streamReader(where: string, on: StreamEvents): { write(bytes: Uint8Array): void } {
  const parser = new SaxesParser({ xmlns: true });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: XmlElement[] = [];
  let opened = false;
  let count = 0;
  let done = false;
  const fail = (code: 'malformed' | 'too_large' | 'bad_encoding' | 'network', why: string) => {
    if (done) return;
    done = true;
    on.end(new KezError(code, `${where}: ${why}`, { host: where }));
  };
  parser.on('doctype', () => fail('malformed', 'the XML stream has a DTD (RFC 6120 §11.1)'));
  parser.on('processinginstruction', () =>
    fail('malformed', 'the XML stream has a processing instruction (RFC 6120 §11.1)'),
  );
  parser.on('error', (e) => fail('malformed', `malformed XML (${e.message})`));
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (done) return;
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes))
      if (a.prefix !== 'xmlns' && a.name !== 'xmlns') attrs[a.name] = a.value;
    if (!opened) {
      if (tag.local !== 'stream' || tag.uri !== NS_STREAM)
        return fail('malformed', `expected an XMPP stream, got <${tag.name}>`);
      opened = true;
      return on.open(attrs);
    }
    if (stack.length > MAX_DEPTH)
      return fail('too_large', `a stanza nests deeper than ${MAX_DEPTH}`);
    if (stack.length === 0) count = 0;
    if (++count > MAX_ELEMENTS)
      return fail('too_large', `a stanza has more than ${MAX_ELEMENTS} elements`);
    const el = element(tag.local, tag.uri, attrs);
    stack.at(-1)?.children.push(el);
    stack.push(el);
  });
  parser.on('text', (t) => {
    const top = stack.at(-1);
    if (!done && top) top.children.push(t);
  });
  parser.on('cdata', (t) => {
    const top = stack.at(-1);
    if (!done && top) top.children.push(t);
  });
  parser.on('closetag', () => {
    if (done) return;
    const el = stack.pop();
    if (!el) return fail('network', 'the server closed the XML stream');
    if (stack.length === 0) on.stanza(el);
  });
  return {
    write(bytes) {
      if (done) return;
      let text: string;
      try {
        text = decoder.decode(bytes, { stream: true });
      } catch {
        return fail('bad_encoding', 'the XML stream is not UTF-8');
      }
      try {
        parser.write(text);
      } catch (e) {
        fail('malformed', `malformed XML (${(e as Error).message})`);
      }
    },
  };
}
