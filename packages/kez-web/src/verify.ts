// Runs the verification in this browser with @kez/channels' verifyIdentity (the same code as
// `kez verify id`), over the browser's ChannelEnv. For an identity id, its chain is fetched
// first and one of its live accounts is verified from its own place, which brings every other
// account along; a chain that cannot be trusted is shown as it is, with nothing valid.
import { claimStatus } from '@kez/core';
import {
  createBrowserChannelEnv,
  defaultRegistry,
  obtainChain,
  verifyIdentity,
  type HeadCache,
  type IdentityResult,
} from '@kez/channels/browser';
import type { PageSettings } from './settings.js';
import type { Route } from './route.js';

/** Accounts tried, newest claim first, until one leads back to the identity. */
const MAX_ENTRY_ACCOUNTS = 3;

export interface PageResult extends IdentityResult {
  /** Device keys of the chain (key id → name), when a chain state was obtained. */
  devices: { key: string; name?: string }[];
}

const unixNow = () => Math.floor(Date.now() / 1000);

export async function verifyRoute(
  route: Exclude<Route, { kind: 'none' }>,
  settings: PageSettings,
  cache: HeadCache,
  progress: (msg: string) => void,
): Promise<PageResult> {
  const env = createBrowserChannelEnv(settings.channels, {
    doh: settings.doh,
    ...(settings.relay ? { relay: settings.relay } : {}),
    progress,
  });
  const registry = defaultRegistry();
  const now = unixNow();
  const run = (subject: string) => verifyIdentity(subject, { now, env, registry, cache });
  if (route.kind === 'subject') return withDevices(await run(route.subject), settings, now);

  const identity = `kez:id:${route.hex}`;
  progress(`fetching the sigchain of ${identity}`);
  const obtained = await obtainChain(identity, settings.channels.sigServers, registry, env, now);
  const state = obtained.chain?.state;
  const entries = state
    ? [...state.claims.values()]
        .filter((e) => claimStatus(e.claim, obtained.chain!, { now }).status === 'valid')
        .sort((a, b) => b.seq - a.seq)
        .map((e) => e.claim.subject)
    : [];
  // An account whose place did not lead back keeps what its place said (e.g. a tampered proof).
  const tried = new Map<string, IdentityResult['edges'][number]>();
  for (const subject of [...new Set(entries)].slice(0, MAX_ENTRY_ACCOUNTS)) {
    const r = await run(subject);
    if (r.identity === identity) return withDevices(r, settings, now, obtained.chain?.state);
    const own = r.edges.find((e) => e.subject === subject);
    if (own) tried.set(subject, own);
  }
  // No live account leads back: the chain alone, every claimed account judged by it.
  const v = obtained.verdict;
  const claims = state ? [...state.claims.values()] : [];
  return {
    status: v.status === 'valid' ? 'not_found' : v.status,
    code: v.status === 'valid' ? 'no_proof' : v.code,
    reason:
      v.status === 'valid'
        ? 'no account of this identity has a proof at its place that leads back to it'
        : v.reason,
    evidence: v.evidence,
    subject: identity,
    identity,
    chain: {
      status: v.status,
      code: v.code,
      reason: v.reason,
      evidence: v.evidence,
      head: state ? { seq: state.head.seq, hash: state.head.hash } : undefined,
      primary: state?.primary,
      sources: obtained.sources,
    },
    edges: claims.map((e) => {
      const known = tried.get(e.claim.subject);
      if (known && known.status !== 'valid') return known;
      const c = obtained.chain ? claimStatus(e.claim, obtained.chain, { now }) : v;
      // The chain's word alone never makes an account valid: its place was not checked.
      const status = c.status === 'valid' ? 'not_found' : c.status;
      return {
        subject: e.claim.subject,
        status,
        code: c.status === 'valid' ? 'no_proof' : c.code,
        reason:
          c.status === 'valid' ? 'no proof leading back to this identity was found' : c.reason,
        evidence: c.evidence,
        seq: e.seq,
        fetched: false,
      };
    }),
    other_identities: [],
    identities: [],
    deadline: { ms: 0, hit: false },
    devices: devicesOf(state),
  };
}

function devicesOf(state: { devices: Map<string, { name?: string }> } | undefined) {
  return state ? [...state.devices.entries()].map(([key, d]) => ({ key, name: d.name })) : [];
}

async function withDevices(
  r: IdentityResult,
  settings: PageSettings,
  now: number,
  known?: { devices: Map<string, { name?: string }> },
): Promise<PageResult> {
  if (known || !r.identity || !r.chain?.head) return { ...r, devices: devicesOf(known) };
  // verifyIdentity reports the head and primary key; the devices come from the same sources.
  const env = createBrowserChannelEnv(settings.channels, { doh: settings.doh });
  const locators = r.chain.sources.map((s) => s.locator);
  const again = await obtainChain(r.identity, locators, defaultRegistry(), env, now);
  return { ...r, devices: devicesOf(again.chain?.state) };
}
