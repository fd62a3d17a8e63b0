// The identity's homes (SPEC §10): the chain sources its owner publishes to — the default
// relays plus every sig-server the owner names. Recorded at `sigchain init`, put in the
// `locators` of every claim, the link of a short proof, and where `sigchain publish` sends.
import { loadChannels, parseServerUrl } from './channel-settings.js';
import type { Env } from './context.js';
import type { KezCore } from './core.js';
import { usageError } from './errors.js';

/** @kez/channels' default relays: the one list publishers and verifiers share. */
export async function defaultHomes(): Promise<string[]> {
  return [...(await loadChannels()).defaultChannelsConfig.nostrRelays];
}

/** The store's homes; a store made before homes existed has the default ones. */
export async function storeHomes(env: Env): Promise<string[]> {
  return env.store.readConfig().homes ?? (await defaultHomes());
}

/**
 * A --sig-server / --add value as a home: a server URL that is a locator (SPEC §5.1). A lone
 * trailing "/" is dropped, so `https://sig.example/` is the origin a short proof links to.
 */
export function parseHome(core: KezCore, value: string): string {
  parseServerUrl(value);
  const home = /^[a-z]+:\/\/[^/?#]+\/$/.test(value) ? value.slice(0, -1) : value;
  try {
    if (Buffer.byteLength(home) > core.MAX_LOCATOR_BYTES)
      throw new Error(`longer than ${core.MAX_LOCATOR_BYTES} bytes`);
    core.checkLocator(home);
  } catch (e) {
    throw usageError(
      `'${value}' cannot be a home: ${(e as Error).message}`,
      'give the server as scheme://host[:port][/path] in lower case, e.g. https://sig.example.com',
      'bad_url',
    );
  }
  return home;
}

/** Homes become claim locators, of which a claim holds at most MAX_LOCATORS. */
export function checkHomeCount(core: KezCore, homes: readonly string[]): void {
  if (homes.length > core.MAX_LOCATORS)
    throw usageError(
      `${homes.length} homes are more than a claim's ${core.MAX_LOCATORS} locators`,
      '`kez sigchain homes --remove URL` drops one',
      'too_many_homes',
    );
}

/** The home a short proof links to (SPEC §5.2): the first sig-server home that is an origin of ≤ 48 bytes. */
export function shortProofHome(core: KezCore, homes: readonly string[]): string | undefined {
  return homes.find(
    (h) => /^https?:\/\/[^/?#]+$/.test(h) && Buffer.byteLength(h) <= core.MAX_HOME_BYTES,
  );
}
