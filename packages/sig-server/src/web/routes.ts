// The profile page on the sig-server: GET /id/:identity (and the SPEC §5.2 short-proof link
// /kez:id:<hex>, and /verify?subject=…) answer with kez-web's page, /assets/* with its files,
// /kez-web.json with the page's settings; optionally /relay. The page verifies everything in
// the visitor's browser: nothing here tells it what is valid.
import type { FastifyInstance, FastifyReply } from 'fastify';
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
const SHORT = /^kez:id:[0-9a-f]{64}$/;
const ASSET = /^[A-Za-z0-9_.-]+$/;

export function webRoutes(app: FastifyInstance, o: WebOptions = {}): void {
  const site = loadSite(o.siteDir ?? defaultSiteDir());
  const settings = o.pageSettings ?? {
    channels: { sigServers: ['self'] },
    ...(o.relay ? { relay: 'self' } : {}),
  };
  const channels = (settings.channels ?? {}) as { allowHttp?: boolean };
  const csp = contentSecurityPolicy({ allowHttp: channels.allowHttp === true });
  const page = (reply: FastifyReply) =>
    reply
      .headers({ ...PAGE_HEADERS, 'content-security-policy': csp })
      .type('text/html; charset=utf-8')
      .send(site.index);

  app.get<{ Params: { identity: string } }>('/id/:identity', async (req, reply) =>
    HEX64.test(req.params.identity) ? page(reply) : reply.callNotFound(),
  );
  app.get('/verify', async (_req, reply) => page(reply));
  // find-my-way has no literal-colon segment with a parameter, so the short-proof link is
  // matched here; static routes (/healthz, /metrics, …) still take precedence.
  app.get<{ Params: { page: string } }>('/:page', async (req, reply) =>
    SHORT.test(req.params.page) ? page(reply) : reply.callNotFound(),
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
