// stackexchange (any Stack Exchange site): short proofs in the user's "About me" (about_me,
// HTML, of GET /2.3/users/{id}?site={site} with a filter that includes it). The owner is the
// item's user_id on that site; the stable id its network-wide account_id. An unknown id is an
// empty `items` list (HTTP 200). Posts and comments are never read.
import { KezError } from '@kez/core';
import { member, ownerSubject, profileChannel, userAtHost, JSON_API } from '../profile-channel.js';

/**
 * The API's default filter leaves about_me out (https://api.stackexchange.com/docs/filters);
 * this names default + user.about_me. Filter strings are opaque and minted by
 * /2.3/filters/create?base=default&include=user.about_me — re-check it against the live API.
 */
export const STACKEXCHANGE_FILTER = '!9YdnSIN18';

interface SeWrapper {
  items?: Array<{ user_id?: unknown; account_id?: unknown; about_me?: unknown; link?: unknown }>;
}

export const stackexchangePlugin = profileChannel({
  name: 'stackexchange',
  place: (s) => userAtHost(s.id),
  ...JSON_API,
  async read({ host, user }, get) {
    const { doc, url } = await get(
      `https://api.stackexchange.com/2.3/users/${encodeURIComponent(user)}?site=${encodeURIComponent(host)}&filter=${encodeURIComponent(STACKEXCHANGE_FILTER)}`,
    );
    const items = (doc as SeWrapper)?.items;
    if (!Array.isArray(items)) throw new KezError('malformed', `${url}: no items`, { url });
    const item = items[0];
    if (!item) throw new KezError('no_account', `no user ${user} on ${host}`, { url });
    const id = member(item.user_id, 'user_id', url);
    return {
      owner: {
        subject: ownerSubject('stackexchange', `${String(id)}@${host}`),
        stableId: `stackexchange-account:${String(member(item.account_id, 'account_id', url))}`,
      },
      location: typeof item.link === 'string' ? item.link : `https://${host}/users/${String(id)}`,
      texts: [{ text: item.about_me, html: true }],
    };
  },
  paste: ({ host, user }) => ({ url: `https://${host}/users/edit/${user}`, field: 'About me' }),
});
