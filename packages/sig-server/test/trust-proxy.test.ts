// --trust-proxy (issue 12): it used to trust every X-Forwarded-For hop, so behind a proxy that
// appends the real client address (nginx's $proxy_add_x_forwarded_for) a client that wrote a
// fresh fake left-most address on every request escaped the rate limit. It now takes the
// number of trusted hops or the proxies' addresses. Requests come from 127.0.0.1, standing in
// for the proxy, with the header exactly as nginx would forward it.
import { describe, expect, it } from 'vitest';
import { loadConfig, type ServerConfig } from '../src/config.js';
import { startTestServer } from './helpers/backends.js';
import { call } from './helpers/http.js';

const REAL_CLIENT = '203.0.113.7';

async function statusesBehindProxy(config: Partial<ServerConfig>): Promise<number[]> {
  const srv = await startTestServer('sqlite', config);
  try {
    const out: number[] = [];
    for (let i = 0; i < 100; i++) {
      const forged = `10.${i >> 8}.${i & 255}.1`;
      const r = await call(`${srv.url}/v1/chains/kez:id:${'ab'.repeat(32)}/head`, {
        headers: { 'x-forwarded-for': `${forged}, ${REAL_CLIENT}` },
      });
      out.push(r.status);
    }
    return out;
  } finally {
    await srv.cleanup();
  }
}

const fromRecipe = (env: NodeJS.ProcessEnv, argv: string[] = []): Partial<ServerConfig> => {
  const cfg = loadConfig(argv, { KEZ_SIG_RATE_LIMIT: '20', ...env });
  if (cfg === 'help') throw new Error('help');
  return { trustProxy: cfg.trustProxy, rateLimitMax: cfg.rateLimitMax };
};

describe('--trust-proxy', () => {
  it('KEZ_SIG_TRUST_PROXY=1 (the recipes) trusts one hop: a fake left-most address does not escape', async () => {
    const statuses = await statusesBehindProxy(fromRecipe({ KEZ_SIG_TRUST_PROXY: '1' }));
    expect(statuses.filter((s) => s === 404)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(80);
  });

  it('--trust-proxy ADDRESSES trusts only those proxies', async () => {
    const statuses = await statusesBehindProxy(fromRecipe({}, ['--trust-proxy', '127.0.0.1,::1']));
    expect(statuses.filter((s) => s === 429)).toHaveLength(80);
  });

  it('refuses a bare --trust-proxy and values that are neither a hop count nor addresses', () => {
    expect(() => loadConfig(['--trust-proxy'], {})).toThrow();
    expect(() => loadConfig([], { KEZ_SIG_TRUST_PROXY: 'true' })).toThrow(/trust-proxy/);
    expect(() => loadConfig(['--trust-proxy', 'nginx'], {})).toThrow(/trust-proxy/);
    expect(loadConfig(['--trust-proxy', '2'], {})).toMatchObject({ trustProxy: 2 });
    expect(loadConfig(['--trust-proxy', '10.0.0.0/8, 127.0.0.1'], {})).toMatchObject({
      trustProxy: ['10.0.0.0/8', '127.0.0.1'],
    });
    expect(loadConfig([], {})).toMatchObject({ trustProxy: false });
  });
});
