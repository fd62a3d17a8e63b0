// hackernews: short proofs in the user's "about" (HTML) from the official Firebase API
// (GET /v0/user/{id}.json). Ids are case-sensitive; the owner is the document's `id`, exactly.
// An unknown user is `null` (HTTP 200), not a 404. Comments and stories are never read.
import { KezError } from '@kez/core';
import { ownerSubject, profileChannel } from '../profile-channel.js';

export const hackernewsPlugin = profileChannel({
  name: 'hackernews',
  place: (s) => ({ host: 'hacker-news.firebaseio.com', user: s.id }),
  contentTypes: ['application/json'],
  // A user document carries the ids of everything they submitted: prolific users' are large.
  maxBytes: 4 * 1024 * 1024,
  maxRedirects: 0,
  async read({ host, user }, get) {
    const { doc, url } = await get(`https://${host}/v0/user/${encodeURIComponent(user)}.json`);
    if (doc === null) throw new KezError('no_account', `no Hacker News user ${user}`, { url });
    const u = doc as { id?: unknown; about?: unknown };
    if (typeof u?.id !== 'string')
      throw new KezError('malformed', `${url}: the answer has no id`, { url });
    return {
      owner: { subject: ownerSubject('hackernews', u.id), stableId: `hackernews:${u.id}` },
      location: `https://news.ycombinator.com/user?id=${encodeURIComponent(u.id)}`,
      texts: [{ text: u.about, html: true }],
    };
  },
  paste: ({ user }) => ({
    url: `https://news.ycombinator.com/user?id=${encodeURIComponent(user)}`,
    field: 'about',
  }),
});
