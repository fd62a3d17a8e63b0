// A DNS-over-HTTPS JSON endpoint on loopback (the shape of Cloudflare's
// https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/:
// GET ?name=&type=TXT with Accept: application/dns-json, CORS open) answering from a real DNS
// server (nsd) — so a browser reads the same records the CLI does. TXT only, as KEZ needs.
import { Resolver } from 'node:dns/promises';
import { sendJson, startHttp, type RunningHttp } from './http-standin.js';

export interface DohStandin extends RunningHttp {
  /** The resolver URL a page is configured with: http://127.0.0.1:PORT/dns-query */
  endpoint: string;
}

/** Presentation form of one TXT record: each character-string quoted, `"` and `\` escaped. */
const presentation = (strings: string[]): string =>
  strings.map((s) => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(' ');

export async function startDohStandin(dnsServer: string): Promise<DohStandin> {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([dnsServer]);
  const http = await startHttp(async (req, res, url) => {
    const name = url.searchParams.get('name') ?? '';
    if (req.method !== 'GET' || url.pathname !== '/dns-query' || !name)
      return sendJson(res, 400, { error: 'GET /dns-query?name=…&type=TXT' });
    if ((url.searchParams.get('type') ?? '').toUpperCase() !== 'TXT')
      return sendJson(res, 400, { error: 'this stand-in answers TXT only' });
    const question = [{ name, type: 16 }];
    const type = 'application/dns-json';
    try {
      const records = await resolver.resolveTxt(name);
      const Answer = records.map((r) => ({ name, type: 16, TTL: 60, data: presentation(r) }));
      sendJson(res, 200, { Status: 0, Question: question, Answer }, type);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOTFOUND') return sendJson(res, 200, { Status: 3, Question: question }, type);
      if (code === 'ENODATA') return sendJson(res, 200, { Status: 0, Question: question }, type);
      sendJson(res, 200, { Status: 2, Question: question }, type); // SERVFAIL
    }
  });
  return Object.assign(http, { endpoint: `${http.url}/dns-query` });
}
