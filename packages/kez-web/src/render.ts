// The profile page from a PageResult: the identity (id, QR code of the page, copy), a fork or
// rollback banner, every account with its status, reason, place and stable id, and the chain
// (head, keys, devices, sources). A status is shown exactly as this browser computed it.
import { profileUrl } from '@kez/channels/browser';
import { copyButton, h } from './dom.js';
import { qrSvg } from './qr.js';
import type { PageResult } from './verify.js';

type Status = PageResult['status'];

const badge = (status: Status) => h('span', { class: `status status-${status}` }, status);

/** A fork, or a head older than the one this browser saw before, is the thing to see first. */
function banner(r: PageResult): HTMLElement | null {
  const c = r.chain;
  if (!c) return null;
  if (c.status === 'fork') {
    const heads = (c.evidence?.heads as { locator: string; seq: number; hash: string }[]) ?? [];
    return h(
      'div',
      { class: 'banner banner-fork', role: 'alert' },
      h('h2', {}, 'Forked sigchain'),
      h(
        'p',
        {},
        'This identity’s sigchain has two different signed histories. Nothing on this page is valid until its owner settles the fork. ',
        c.reason,
      ),
      heads.length > 0 &&
        h('ul', {}, ...heads.map((x) => h('li', {}, `${x.locator}: head seq ${x.seq}, ${x.hash}`))),
    );
  }
  if (c.code === 'rollback')
    return h(
      'div',
      { class: 'banner banner-rollback', role: 'alert' },
      h('h2', {}, 'Rolled-back sigchain'),
      h('p', {}, 'The sources answer with an older chain than this browser saw before. ', c.reason),
    );
  return null;
}

function accountsTable(r: PageResult): HTMLElement {
  const rows = r.edges.map((e) => {
    const place = e.location
      ? /^https?:\/\//.test(e.location)
        ? h('a', { href: e.location, rel: 'noopener noreferrer nofollow' }, e.location)
        : h('span', {}, e.location)
      : h('span', { class: 'muted' }, e.fetched ? '—' : 'not fetched (the chain decided)');
    const profile = profileUrl(e.subject);
    // rel="me" only for an account this browser found valid.
    const name =
      e.status === 'valid' && profile
        ? h('a', { href: profile, rel: 'me noopener' }, e.subject)
        : h('span', {}, e.subject);
    return h(
      'tr',
      { 'data-subject': e.subject, 'data-status': e.status },
      h('th', { scope: 'row', 'data-label': 'Account' }, name),
      h('td', { 'data-label': 'Status' }, badge(e.status)),
      h('td', { 'data-label': 'Reason' }, e.code ? `${e.reason} (${e.code})` : e.reason),
      h('td', { 'data-label': 'Proof found at', class: 'wrap' }, place),
      h('td', { 'data-label': 'Stable id', class: 'wrap' }, e.stable_id ?? '—'),
      h(
        'td',
        { 'data-label': 'Proof' },
        e.location ? copyButton(e.location, `proof location of ${e.subject}`) : '—',
      ),
    );
  });
  return h(
    'table',
    { class: 'accounts' },
    h('caption', {}, 'Accounts this identity claims, each checked at its own place'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Account', 'Status', 'Reason', 'Proof found at', 'Stable id', 'Proof'].map((t) =>
          h('th', { scope: 'col' }, t),
        ),
      ),
    ),
    h('tbody', {}, ...rows),
  );
}

function chainSection(r: PageResult): HTMLElement {
  const c = r.chain;
  const dl = h('dl', { class: 'facts' });
  const fact = (k: string, v: Node | string) => dl.append(h('dt', {}, k), h('dd', {}, v));
  if (c) {
    fact('Chain status', h('span', {}, badge(c.status), ' ', c.reason));
    if (c.head) fact('Head', h('code', { class: 'wrap' }, `seq ${c.head.seq} · ${c.head.hash}`));
    if (c.primary) fact('Primary key', h('code', { class: 'wrap' }, c.primary));
    fact(
      'Devices',
      r.devices.length === 0
        ? 'none'
        : h(
            'ul',
            {},
            ...r.devices.map((d) =>
              h('li', {}, h('code', { class: 'wrap' }, d.key), d.name ? ` (${d.name})` : ''),
            ),
          ),
    );
    fact(
      'Sources',
      h(
        'ul',
        {},
        ...c.sources.map((s) =>
          h(
            'li',
            {},
            badge(s.status),
            ` ${s.locator}`,
            s.head ? ` — head seq ${s.head.seq}` : '',
            s.status === 'valid' ? '' : ` — ${s.reason}`,
          ),
        ),
      ),
    );
  } else fact('Chain', 'no sigchain was obtained');
  return h('section', { 'aria-labelledby': 'chain-h' }, h('h2', { id: 'chain-h' }, 'Sigchain'), dl);
}

export function renderResult(root: HTMLElement, r: PageResult, pageUrl: string): void {
  const valid = r.edges.filter((e) => e.status === 'valid').length;
  const identity = r.identity ?? r.subject;
  const summary = `${valid} of ${r.edges.length} account${r.edges.length === 1 ? '' : 's'} valid; chain ${r.chain?.status ?? 'not found'}${r.chain?.head ? ` at seq ${r.chain.head.seq}` : ''}`;
  root.replaceChildren(
    ...[
      banner(r),
      h(
        'section',
        { class: 'identity', 'aria-labelledby': 'identity-h' },
        h(
          'div',
          {},
          h('h1', { id: 'identity-h' }, 'KEZ identity'),
          h(
            'p',
            { class: 'id' },
            h('code', { class: 'wrap', id: 'identity-id' }, identity),
            ' ',
            copyButton(identity, 'identity id'),
          ),
          h('p', { class: 'summary', id: 'summary' }, summary),
          h(
            'p',
            { class: 'muted' },
            'Verified in this browser just now: every signature with @kez/core, every proof fetched from its own service.',
          ),
        ),
        h(
          'figure',
          { class: 'qr-box' },
          qrSvg(pageUrl, `QR code of this page: ${pageUrl}`),
          h('figcaption', {}, 'Scan to open this page'),
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'accounts-h' },
        h('h2', { id: 'accounts-h' }, 'Accounts'),
        h('div', { class: 'table-wrap' }, accountsTable(r)),
      ),
      chainSection(r),
    ].filter((x): x is HTMLElement => x !== null),
  );
}
