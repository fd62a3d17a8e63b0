// The profile page end to end: the demo's peers (real sig-server serving the page, real nostr
// relay, real PDS + PLC, nsd behind a DoH endpoint, the GitHub and Mastodon stand-ins), the
// demo identity made with the real CLI, and real headless Chromium (Debian's, through
// playwright-core) opening the page. Asserts what a person sees, and that the browser never
// left loopback: every status on the page is the browser's own verification.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_ARGS, chromiumMissing } from '@kez/test-kit/chromium';
import { now, TestChain } from '@kez/test-kit/chain-builder';
import { type DemoWorld, startDemoWorld } from '@kez/test-kit/demo-world';
import { postEvent } from '@kez/test-kit/published-chain';

const HERE = dirname(fileURLToPath(import.meta.url));
const SITE = resolve(HERE, '../dist/site/index.html');
const SCREENSHOT = resolve(HERE, '../../../docs/profile-page.png');
const MISSING = chromiumMissing('profile-page test');
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

let world: DemoWorld;
let work: string;
let context: BrowserContext;
/** Every URL the browser asked for (HTTP and WebSocket), across all pages. */
const requested: string[] = [];
const pageErrors: string[] = [];
/** Answers of 400 or more the page got ("no chain here" 404s are answers, not errors). */
const refused: string[] = [];

/** A second identity with one good proof and one whose signature was altered after signing. */
async function tamperedIdentity(w: DemoWorld): Promise<string> {
  const t = TestChain.create({ seed: 501, createdAt: now() - 600 });
  const good = t.add('github:carol', { locators: [w.sig.url] });
  const bad = t.add('github:mallory', { locators: [w.sig.url] });
  w.gh.addUser('carol', 2001);
  w.gh.addGist('carol', { 'kez.md': TestChain.markdown(good) });
  w.gh.addUser('mallory', 2002);
  const md = TestChain.markdown(bad);
  // One character of the signature changed: the text still parses, the signature fails.
  const at = md.indexOf('"sig":"') + '"sig":"'.length + 10;
  expect(at).toBeGreaterThan(20);
  const flipped = md[at] === '0' ? '1' : '0';
  w.gh.addGist('mallory', { 'kez.md': md.slice(0, at) + flipped + md.slice(at + 1) });
  for (const ev of t.events) expect(await postEvent(w.sig.url, t.identity, ev)).toBeLessThan(300);
  return t.identity;
}

/** A third identity whose chain has two validly signed, different events at one seq. */
async function forkedIdentity(w: DemoWorld): Promise<string> {
  const createdAt = now() - 600;
  const a = TestChain.create({ seed: 601, createdAt });
  const b = TestChain.create({ seed: 601, createdAt });
  const claim = a.add('github:dave', { locators: [w.sig.url] });
  b.add('github:dave', { locators: [w.sig.url] });
  expect(b.events).toEqual(a.events);
  a.add('github:erin', { locators: [w.sig.url] });
  b.add('github:frank', { locators: [w.sig.url] });
  w.gh.addUser('dave', 3001);
  w.gh.addGist('dave', { 'kez.md': TestChain.markdown(claim) });
  for (const ev of a.events) expect(await postEvent(w.sig.url, a.identity, ev)).toBeLessThan(300);
  await postEvent(w.sig.url, b.identity, b.events.at(-1)!); // the rival: fork evidence
  return a.identity;
}

async function open(url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${url}: ${e}`));
  page.on('console', (m) => {
    // Chrome logs every non-2xx answer as a console error; those are collected in `refused`.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      pageErrors.push(`${url}: ${m.text()}`);
  });
  const res = await page.goto(url, { timeout: 20_000 });
  expect(res?.status()).toBe(200);
  await page.waitForSelector('body[data-done]', { timeout: 90_000 });
  return page;
}

/** The text a person sees (rendered: hidden text left out), not the DOM's textContent. */
// biome-ignore lint/performance/useDomNodeTextContent: what a person sees is the rendered text
const seen = (l: Locator) => l.innerText();

/** The status a person reads in an account's row. */
const statusOf = (page: Page, subject: string) =>
  seen(page.locator(`tr[data-subject="${subject}"] .status`));

const pageOf = (identity: string) => `${world.sig.url}/id/${identity.slice('kez:id:'.length)}`;

describe.skipIf(MISSING)(MISSING ?? 'the profile page in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(SITE)) throw new Error(`${SITE} is missing: run npm run build first`);
    world = await startDemoWorld();
    work = mkdtempSync(join(tmpdir(), 'kez-web-'));
    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 900 },
      colorScheme: 'light',
      timeout: 30_000,
    });
    context.on('request', (r) => requested.push(r.url()));
    context.on('response', (r) => {
      if (r.status() >= 400) refused.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    context.on('page', (p) => p.on('websocket', (ws) => requested.push(ws.url())));
    for (const p of context.pages()) p.on('websocket', (ws) => requested.push(ws.url()));
  }, 240_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await world?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('the demo identity: every live account valid, the revoked one revoked', async () => {
    const page = await open(world.pageUrl);
    expect(await seen(page.locator('#identity-id'))).toBe(world.identity);
    for (const s of world.subjects) {
      expect({ s, status: await statusOf(page, s) }).toEqual({
        s,
        status: s === world.revoked ? 'revoked' : 'valid',
      });
    }
    const live = world.subjects.length - 1;
    expect(await seen(page.locator('#summary'))).toMatch(
      new RegExp(`^${live} of ${world.subjects.length} accounts valid; chain valid at seq \\d+$`),
    );
    // Where each proof was found, and GitHub's stable id beside the handle.
    const gh = page.locator('tr[data-subject="github:alice"]');
    expect(await seen(gh)).toContain('github-id:1001');
    expect(await gh.locator('a[href*="gist"]').count()).toBe(1);
    // rel="me" links to verified accounts only (the revoked one has none).
    const me = await page
      .locator('a[rel~="me"]')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(me).toContain('https://github.com/alice');
    expect(me).toContain('https://social.example/@alice');
    expect(me).not.toContain('https://github.com/alice-old');
    // A QR code of this page's URL, and copy buttons with labels.
    expect(await page.locator('svg.qr').getAttribute('aria-label')).toBe(
      `QR code of this page: ${world.pageUrl}`,
    );
    expect(await page.getByRole('button', { name: 'Copy identity id' }).count()).toBe(1);
    expect(
      await page.getByRole('button', { name: 'Copy proof location of github:alice' }).count(),
    ).toBe(1);
    await page.screenshot({
      path: process.env.KEZ_WEB_SCREENSHOT === '1' ? SCREENSHOT : join(work, 'page.png'),
      fullPage: true,
    });
    // Readable on a phone: at 390 px nothing is wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    const wider = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .filter((el) => !el.closest('.table-wrap') || el.classList.contains('table-wrap'))
        .map(
          (el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent?.slice(0, 40)}`,
        ),
    );
    expect(wider).toEqual([]);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('a tampered proof is invalid; the honest account beside it is valid', async () => {
    const page = await open(pageOf(await tamperedIdentity(world)));
    expect(await statusOf(page, 'github:carol')).toBe('valid');
    expect(await statusOf(page, 'github:mallory')).toBe('invalid');
    expect(await seen(page.locator('tr[data-subject="github:mallory"]'))).toContain(
      'bad_signature',
    );
    expect(await page.locator('a[rel~="me"][href="https://github.com/mallory"]').count()).toBe(0);
    await page.close();
  });

  it('a forked chain is shown as a fork, first, and nothing is valid', async () => {
    const page = await open(pageOf(await forkedIdentity(world)));
    const alert = page.getByRole('alert');
    expect(await seen(alert)).toContain('Forked sigchain');
    const statuses = await page.locator('tr[data-subject] .status').allInnerTexts();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses).not.toContain('valid');
    expect(await seen(page.locator('.facts .status').first())).toBe('fork');
    await page.close();
  });

  it('/verify?subject= reaches the same identity from one account', async () => {
    const page = await open(`${world.sig.url}/verify?subject=github:alice`);
    expect(await seen(page.locator('#identity-id'))).toBe(world.identity);
    expect(await statusOf(page, 'ap:@alice@social.example')).toBe('valid');
    await page.close();
  });

  it('the browser asked only loopback addresses, and the page ran without errors', () => {
    expect(requested.length).toBeGreaterThan(10);
    const away = requested.filter((u) => !LOOPBACK.has(new URL(u).hostname));
    expect(away).toEqual([]);
    // It really fetched the proofs itself: GitHub's API and the relay's WebSocket among them.
    expect(requested.some((u) => u.startsWith(world.gh.url))).toBe(true);
    if (world.relayUrl) expect(requested.some((u) => u.startsWith(world.relayUrl!))).toBe(true);
    expect(pageErrors).toEqual([]);
    // No request the page made was refused other than "not here": a 404, or the PDS's
    // RecordNotFound, which XRPC sends as a 400 (the channel asks for an optional profile).
    const notHere = (r: string) =>
      r.startsWith('404 ') || /^400 GET \S+\/xrpc\/com\.atproto\.repo\.getRecord\?/.test(r);
    expect(refused.filter((r) => !notHere(r))).toEqual([]);
  });

  it('the screenshot is a PNG', () => {
    const shot = process.env.KEZ_WEB_SCREENSHOT === '1' ? SCREENSHOT : join(work, 'page.png');
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
  });
});
