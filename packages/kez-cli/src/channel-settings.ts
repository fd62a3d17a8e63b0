// The channel set-up shared by `verify id`, `publish` and `sigchain publish`: the settings
// file (KEZ_HOME/channels.json, or $KEZ_CHANNELS_CONFIG) checked against @kez/channels'
// schema, tokens from the environment, and the server URLs given on the command line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as Channels from '@kez/channels';
import type { Env } from './context.js';
import { localError, usageError } from './errors.js';
import { fileHttpCache } from './http-cache.js';

export type KezChannels = typeof Channels;

export interface ChannelSettings {
  config: Channels.ChannelsConfigInput;
  tokens: { github?: string; mastodon?: string };
}

const SETTINGS_HINT =
  'fix or remove the file: a JSON object of githubApi, githubRawHosts, plcDirectory, nostrRelays, dnsServers, sigServers, hostMap, allowLoopback, allowHttp, timeouts, maxBodyBytes, concurrency, maxConcurrentFetches, tlsCa, github_token, mastodon_token (packages/kez-cli/README.md, "Settings")';

export function loadChannels(): Promise<KezChannels> {
  return import('@kez/channels');
}

export function channelSettings(env: Env, ch: KezChannels): ChannelSettings {
  const named = env.vars.KEZ_CHANNELS_CONFIG;
  const path = named || join(env.store.home, 'channels.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    // Only the default file may be absent; a file named by KEZ_CHANNELS_CONFIG must be read.
    if (!named && (e as NodeJS.ErrnoException).code === 'ENOENT')
      return { config: {}, tokens: tokens(env, {}) };
    throw localError(
      'bad_config',
      `cannot read channel settings ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      named ? 'point KEZ_CHANNELS_CONFIG at a readable file, or unset it' : SETTINGS_HINT,
    );
  }
  try {
    const { github_token, mastodon_token, ...rest } = objectOf(JSON.parse(text));
    for (const [key, v] of Object.entries({ github_token, mastodon_token }))
      if (v !== undefined && typeof v !== 'string')
        throw new TypeError(`${key}: expected a string`);
    return {
      config: ch.parseChannelsConfig(rest),
      tokens: tokens(env, { github: github_token as string, mastodon: mastodon_token as string }),
    };
  } catch (e) {
    throw localError(
      'bad_config',
      `channel settings ${path}: ${(e as Error).message}`,
      SETTINGS_HINT,
    );
  }
}

function objectOf(doc: unknown): Record<string, unknown> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new TypeError('the settings must be a JSON object');
  return doc as Record<string, unknown>;
}

/** The environment's tokens win over the file's. */
function tokens(env: Env, file: { github?: string; mastodon?: string }): ChannelSettings['tokens'] {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    github: str(env.vars.GITHUB_TOKEN) ?? str(file.github),
    mastodon: str(env.vars.MASTODON_TOKEN) ?? str(file.mastodon),
  };
}

/** The XMPP account vCards are read with (KEZ_XMPP_JID, KEZ_XMPP_PASSWORD, KEZ_XMPP_SERVER). */
function xmppAccount(env: Env): Channels.ReadCredentials['xmpp'] {
  const { KEZ_XMPP_JID: jid, KEZ_XMPP_PASSWORD: password, KEZ_XMPP_SERVER: server } = env.vars;
  if (!jid || !password) return undefined;
  return { jid, password, ...(server ? { server } : {}) };
}

/** The channel env and registry for one command run; close() when done. */
export async function channelRuntime(env: Env, extra: Channels.ChannelsConfigInput = {}) {
  await env.core(); // loads @kez/accel first
  const ch = await loadChannels();
  const settings = channelSettings(env, ch);
  const config = ch.channelsConfig({ ...settings.config, ...extra });
  const httpCache = fileHttpCache(join(env.store.home, 'http-cache.json'));
  const owned = ch.createChannelEnv(config, {
    progress: (m) => env.out.progress(m),
    // GITHUB_TOKEN (or github_token) also reads: 5,000 GitHub requests an hour instead of 60.
    credentials: { github: settings.tokens.github, xmpp: xmppAccount(env) },
    httpCache,
  });
  const cenv = {
    ...owned,
    close: async () => {
      try {
        httpCache.save();
      } catch {
        // An unwritable cache costs only the requests it would have saved.
      }
      await owned.close();
    },
  };
  return { ch, settings, config, cenv, registry: ch.defaultRegistry() };
}

/** A --server / --sig-server value: an absolute http(s) or ws(s) URL, else a usage error. */
export function parseServerUrl(value: string): string {
  let ok = false;
  try {
    ok = ['https:', 'http:', 'wss:', 'ws:'].includes(new URL(value).protocol);
  } catch {
    ok = false;
  }
  if (!ok)
    throw usageError(
      `'${value}' is not a server URL`,
      'give an https://… sig-server (or a wss://… relay), e.g. https://sig.example.com',
      'bad_url',
    );
  return value;
}
