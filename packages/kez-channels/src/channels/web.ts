// web: a website's own proofs (SPEC §10). The owner is the domain: only its operator can
// serve https://<domain>/.well-known/kez or put <link rel="me"> / <meta name="kez"> in the
// <head> of its home page. The page body (where comments and user content live) is never read,
// and neither fetch follows a redirect to another origin.
import { htmlToText } from '../html-text.js';
import { proofCandidates } from '../proofs.js';
import type { Candidate, ChannelEnv, ChannelPlugin, PublishRequest } from '../types.js';

/** SPEC §10 web: the well-known file's path and size bound, and the home page's. */
export const WEB_WELL_KNOWN = '/.well-known/kez';
const MAX_WELL_KNOWN_BYTES = 64 * 1024;
const MAX_HOME_BYTES = 512 * 1024;
/** Head elements read per page: a head of thousands of links cannot make a scan long. */
const MAX_HEAD_VALUES = 32;

const TAG = /<(link|meta)\b([^<>]*)>/gi;
const ATTR = /([a-z][a-z0-9-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>=`]+))/gi;

function attributes(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of raw.matchAll(ATTR)) {
    const name = m[1]!.toLowerCase();
    if (!out.has(name)) out.set(name, htmlToText(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return out;
}

/** The head of an HTML page: everything before </head> or <body, whichever comes first. */
function head(html: string): string {
  const end = html.search(/<\/head\s*>|<body[\s>]/i);
  return end < 0 ? html : html.slice(0, end);
}

/** Values of <link rel="me" href> and <meta name="kez" content> in the head, in page order. */
export function headProofValues(html: string): string[] {
  const values: string[] = [];
  for (const m of head(html).matchAll(TAG)) {
    if (values.length >= MAX_HEAD_VALUES) break;
    const a = attributes(m[2]!);
    if (m[1]!.toLowerCase() === 'link') {
      const rel = (a.get('rel') ?? '').toLowerCase().split(/\s+/);
      const href = a.get('href');
      if (rel.includes('me') && href?.includes('kez:id:')) values.push(href);
    } else if ((a.get('name') ?? '').toLowerCase() === 'kez' && a.has('content')) {
      values.push(a.get('content')!);
    }
  }
  return values;
}

async function wellKnown(domain: string, env: ChannelEnv): Promise<Candidate[]> {
  const url = `https://${domain}${WEB_WELL_KNOWN}`;
  const res = await env.fetch(url, {
    maxBytes: MAX_WELL_KNOWN_BYTES,
    contentTypes: ['text/plain', 'text/markdown', 'application/json'],
    passStatuses: [404, 410],
  });
  if (res.status !== 200) return [];
  return proofCandidates(res.text(), res.url, { subject: `web:${domain}` });
}

async function homePage(domain: string, env: ChannelEnv): Promise<Candidate[]> {
  const res = await env.fetch(`https://${domain}/`, {
    maxBytes: MAX_HOME_BYTES,
    contentTypes: ['text/html', 'application/xhtml+xml'],
    passStatuses: [404, 410],
  });
  if (res.status !== 200) return [];
  const owner = { subject: `web:${domain}` };
  return headProofValues(res.text()).flatMap((v, i) =>
    proofCandidates(v, `${res.url}#head-${i}`, owner),
  );
}

export const webPlugin: ChannelPlugin = {
  name: 'web',
  async locate(subject, env) {
    env.progress?.(`web: https://${subject.id}${WEB_WELL_KNOWN} and the home page`);
    const results = await Promise.allSettled([
      wellKnown(subject.id, env),
      homePage(subject.id, env),
    ]);
    const found = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    // A place that failed only decides the result when the other one found nothing.
    const failed = results.find((r) => r.status === 'rejected');
    if (found.length === 0 && failed) throw (failed as PromiseRejectedResult).reason;
    return found;
  },
  paste: (p: PublishRequest) => ({
    url: `https://${p.subject.id}${WEB_WELL_KNOWN}`,
    field: 'the file (served as text/plain)',
    text: p.compact,
    alternative: {
      url: `https://${p.subject.id}/`,
      field: 'the page <head>',
      text: `<link rel="me" href="${p.short}">`,
    },
  }),
};
