// The URL actually contacted for a logical one: config.hostMap applied (like curl --resolve),
// the scheme and credentials checked. Pure, so a browser fetcher applies the same rules; the
// address checks that need Node's resolver stay in address-policy.ts.
import { KezError } from '@kez/core';
import type { ChannelsConfig } from './types.js';

export function mappedUrl(
  logical: URL,
  config: Pick<ChannelsConfig, 'hostMap' | 'allowHttp'>,
  schemes: { secure: string; plain: string },
): URL {
  const mapped = config.hostMap[logical.host] ?? config.hostMap[logical.hostname];
  let actual = logical;
  if (mapped) {
    actual = new URL(mapped);
    if (schemes.secure === 'wss:') actual.protocol = actual.protocol.replace(/^http/, 'ws');
    actual.pathname = logical.pathname;
    actual.search = logical.search;
  }
  const url = logical.href;
  if (
    actual.protocol !== schemes.secure &&
    !(actual.protocol === schemes.plain && config.allowHttp)
  )
    throw new KezError('blocked_address', `${url}: only ${schemes.secure}// is allowed`, { url });
  if (actual.username || actual.password)
    throw new KezError('blocked_address', `${url}: credentials in URL`, { url });
  return actual;
}
