// Channel name → plugin, and locator scheme → chain transport. Data, not a switch: a new
// channel or transport is one more entry.
import { KezError } from '@kez/core';
import type { ChainTransport, ChannelPlugin } from './types.js';

export class ChannelRegistry {
  private readonly plugins = new Map<string, ChannelPlugin>();
  private readonly transports = new Map<string, ChainTransport>();

  constructor(plugins: ChannelPlugin[] = [], transports: ChainTransport[] = []) {
    for (const p of plugins) this.addPlugin(p);
    for (const t of transports) this.addTransport(t);
  }

  addPlugin(p: ChannelPlugin): this {
    this.plugins.set(p.name, p);
    return this;
  }

  addTransport(t: ChainTransport): this {
    for (const s of t.schemes) this.transports.set(s.replace(/:$/, ''), t);
    return this;
  }

  /**
   * The plugin for a channel. A channel this build cannot check is not_found (`no_proof`:
   * nothing here can be checked), never valid — and not `network`, which would invite a retry.
   */
  plugin(channel: string): ChannelPlugin {
    const p = this.plugins.get(channel);
    if (!p)
      throw new KezError(
        'no_proof',
        `this kez has no '${channel}' channel plugin, so ${channel} accounts cannot be checked`,
        { channel },
      );
    return p;
  }

  /** Every registered plugin (the contract test iterates them). */
  allPlugins(): ChannelPlugin[] {
    return [...this.plugins.values()];
  }

  /** The transport for a locator URL's scheme, or undefined. */
  transportFor(locator: string): ChainTransport | undefined {
    const scheme = locator.slice(0, Math.max(0, locator.indexOf(':')));
    return this.transports.get(scheme);
  }
}
