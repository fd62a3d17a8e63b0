// The page's settings: /kez-web.json beside the page (the sig-server serves its own; a static
// deployment ships one), else the defaults. "self" is this page's origin (relay: its /relay).
import { channelsConfig, parseChannelsConfig, type ChannelsConfig } from '@kez/channels/browser';

export interface PageSettings {
  channels: ChannelsConfig;
  /** DNS-over-HTTPS JSON endpoint for TXT lookups (_kez, _atproto). */
  doh: string;
  /** Optional fetch relay for services without CORS. */
  relay?: string;
}

export const DEFAULT_DOH = 'https://cloudflare-dns.com/dns-query';
const MAX_SETTINGS_BYTES = 64 << 10;

interface SettingsDoc {
  channels?: Record<string, unknown>;
  doh?: unknown;
  relay?: unknown;
}

const self = (v: string, origin: string) => (v === 'self' ? origin : v);

export function parseSettings(doc: SettingsDoc, origin: string): PageSettings {
  const raw = { ...(doc.channels ?? {}) };
  if (Array.isArray(raw.sigServers))
    raw.sigServers = raw.sigServers.map((s) => (typeof s === 'string' ? self(s, origin) : s));
  const channels = channelsConfig(parseChannelsConfig(raw));
  const doh = typeof doc.doh === 'string' ? doc.doh : DEFAULT_DOH;
  new URL(doh); // a malformed resolver is an error now, not on the first lookup
  const relay = typeof doc.relay === 'string' ? self(doc.relay, `${origin}/relay`) : undefined;
  return { channels, doh, ...(relay ? { relay } : {}) };
}

export async function loadSettings(origin: string): Promise<PageSettings> {
  const res = await fetch(`${origin}/kez-web.json`, { credentials: 'omit', cache: 'no-cache' });
  if (res.status === 404) return parseSettings({}, origin);
  if (!res.ok) throw new Error(`/kez-web.json: HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_SETTINGS_BYTES) throw new Error('/kez-web.json is too large');
  return parseSettings(JSON.parse(text) as SettingsDoc, origin);
}
