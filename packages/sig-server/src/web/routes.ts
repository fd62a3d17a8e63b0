// The profile page on the sig-server: GET /id/:identity (and the SPEC §5.2 short-proof link
// /kez:id:<hex>, and /verify?subject=…) answer with kez-web's page, /assets/* with its files,
// /kez-web.json with the page's settings; optionally /relay. The page verifies everything in
// the visitor's browser: nothing here tells it what is valid.
import { profileUrl } from '@kez/channels';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ChainStates } from '../chain-states.js';
import type { ChainStore } from '../storage/types.js';
import { contentSecurityPolicy, IMMUTABLE, PAGE_HEADERS } from './headers.js';
import { relayRoute, type RelayOptions } from './relay.js';
import { defaultSiteDir, loadSite } from './site.js';

export interface WebOptions {
  /** The built site (index.html, assets/); default @kez/web's dist/site. */
  siteDir?: string;
  /**
   * The page's settings (/kez-web.json): { channels: {…channels.json keys}, doh, relay }.
   * Default: this server as the sig-server ("self") and the relay when it is on.
   */
  pageSettings?: Record<string, unknown>;
  /** Serve the fetch relay at /relay (off unless given). */
  relay?: RelayOptions;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const attr = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/**
 * `<link rel="me">` to each account the stored chain claims and has not revoked or let expire.
 * Mastodon's link verification reads the HTML without running scripts, so these are in the
 * page as served; they say only "this identity links these accounts" — the statuses are the
 * browser's, after it verifies.
 */
async function relMeLinks(
  identity: string,
  deps: { store: ChainStore; states: ChainStates },
  now: number,
): Promise<string> {
  const head = await deps.store.head(identity);
  if (!head) return '';
  const state = await deps.states.atHead(head);
  const urls = new Set<string>();
  for (const { claim, revoked } of state.claims.values()) {
    if (revoked || (claim.expires_at !== undefined && claim.expires_at <= now)) continue;
    const url = profileUrl(claim.subject);
    if (url) urls.add(url);
  }
  return [...urls].map((u) => `<link rel="me" href="${attr(u)}">`).join('');
}
const SHORT = /^kez:id:[0-9a-f]{64}$/;
const ASSET = /^[A-Za-z0-9_.-]+$/;

export function webRoutes(
  app: FastifyInstance,
  o: WebOptions,
  deps: { store: ChainStore; states: ChainStates },
): void {
  const site = loadSite(o.siteDir ?? defaultSiteDir());
  const settings = o.pageSettings ?? {
    channels: { sigServers: ['self'] },
    ...(o.relay ? { relay: 'self' } : {}),
  };
  const channels = (settings.channels ?? {}) as { allowHttp?: boolean };
  const csp = contentSecurityPolicy({ allowHttp: channels.allowHttp === true });
  const html = site.index.toString('utf8');
  const page = async (reply: FastifyReply, hex?: string) => {
    const links = hex ? await relMeLinks(`kez:id:${hex}`, deps, Math.floor(Date.now() / 1000)) : '';
    return reply
      .headers({ ...PAGE_HEADERS, 'content-security-policy': csp })
      .type('text/html; charset=utf-8')
      .send(links ? html.replace('</head>', `${links}</head>`) : html);
  };

  app.get<{ Params: { identity: string } }>('/id/:identity', async (req, reply) =>
    HEX64.test(req.params.identity) ? page(reply, req.params.identity) : reply.callNotFound(),
  );
  app.get('/verify', async (_req, reply) => page(reply));
  // find-my-way has no literal-colon segment with a parameter, so the short-proof link is
  // matched here; static routes (/healthz, /metrics, …) still take precedence.
  app.get<{ Params: { page: string } }>('/:page', async (req, reply) =>
    SHORT.test(req.params.page) ? page(reply, req.params.page.slice(7)) : reply.callNotFound(),
  );
  app.get<{ Params: { file: string } }>('/assets/:file', async (req, reply) => {
    const file = ASSET.test(req.params.file) ? site.assets.get(req.params.file) : undefined;
    if (!file) return reply.callNotFound();
    return reply
      .headers({ 'cache-control': IMMUTABLE, 'x-content-type-options': 'nosniff' })
      .type(file.type)
      .send(file.body);
  });
  app.get('/kez-web.json', async (_req, reply) =>
    reply.headers({ 'cache-control': 'no-cache' }).type('application/json').send(settings),
  );
  if (o.relay) relayRoute(app, o.relay);
}
