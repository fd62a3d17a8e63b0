export type * from './types.js';
export { defaultChannelsConfig, channelsConfig, type ChannelsConfigInput } from './config.js';
export { blockedReason, isIpLiteral } from './address-policy.js';
export { createSafeFetch, guardedLookup, guardedAgent, type SafeFetcher } from './safe-fetch.js';
export { createResolveTxt } from './dns-txt.js';
export { ChannelRegistry } from './registry.js';
export * from './sigserver-client.js';
