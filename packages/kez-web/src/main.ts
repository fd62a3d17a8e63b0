// The page's entry: read the route and settings, verify in this browser, render.
import { h } from './dom.js';
import { browserHeadCache } from './head-store.js';
import { renderResult } from './render.js';
import { identityPath, parseRoute } from './route.js';
import { loadSettings } from './settings.js';
import { verifyRoute } from './verify.js';
import './style.css';

const root = document.getElementById('app')!;
const progress = document.getElementById('progress')!;
const say = (msg: string) => {
  progress.textContent = msg;
};

function showForm(): void {
  root.replaceChildren(
    h('h1', {}, 'Verify a KEZ identity'),
    h(
      'form',
      { method: 'get', action: '/verify', class: 'lookup' },
      h('label', { for: 'subject' }, 'Account (e.g. github:alice, dns:example.com)'),
      h('input', { id: 'subject', name: 'subject', required: '', autocomplete: 'off' }),
      h('button', { type: 'submit' }, 'Verify'),
    ),
  );
}

async function main(): Promise<void> {
  const route = parseRoute(location);
  if (route.kind === 'none') {
    say('');
    return showForm();
  }
  say('loading settings');
  const settings = await loadSettings(location.origin);
  const result = await verifyRoute(route, settings, browserHeadCache(), say);
  const hex = result.identity?.slice('kez:id:'.length);
  const pageUrl = hex ? `${location.origin}${identityPath(hex)}` : location.href;
  renderResult(root, result, pageUrl);
  document.title = `${result.identity ?? result.subject} · KEZ`;
  say(`done: ${document.getElementById('summary')?.textContent ?? ''}`);
  document.body.dataset.done = 'true';
}

main().catch((e: unknown) => {
  say('');
  root.replaceChildren(
    h('div', { class: 'banner banner-error', role: 'alert' }, `Verification failed: ${String(e)}`),
  );
  document.body.dataset.done = 'error';
});
