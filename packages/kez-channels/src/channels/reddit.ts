// reddit: short proofs in the profile's "About" (data.subreddit.public_description of
// GET /user/{name}/about.json). The owner is data.name (Reddit names are case-insensitive);
// the stable id the account's fullname t2_{id}. A suspended account is no account. Posts and
// comments are never read.
import { KezError } from '@kez/core';
import { member, ownerSubject, profileChannel, JSON_API } from '../profile-channel.js';

interface RedditAbout {
  kind?: unknown;
  data?: {
    name?: unknown;
    id?: unknown;
    is_suspended?: unknown;
    subreddit?: { public_description?: unknown };
  };
}

export const redditPlugin = profileChannel({
  name: 'reddit',
  place: (s) => ({ host: 'www.reddit.com', user: s.id }),
  ...JSON_API,
  async read({ host, user }, get) {
    const { doc, url } = await get(`https://${host}/user/${encodeURIComponent(user)}/about.json`);
    const about = doc as RedditAbout;
    if (about?.kind !== 't2')
      throw new KezError('malformed', `${url}: not an account (kind t2)`, { url });
    const d = member(about.data, 'data', url);
    if (d.is_suspended === true)
      throw new KezError('no_account', `reddit account ${user} is suspended`, { url });
    const name = String(member(d.name, 'data.name', url));
    return {
      owner: {
        subject: ownerSubject('reddit', name),
        stableId: `t2_${String(member(d.id, 'data.id', url))}`,
      },
      location: `https://${host}/user/${name}`,
      texts: [{ text: d.subreddit?.public_description }],
    };
  },
  paste: () => ({
    url: 'https://www.reddit.com/settings/profile',
    field: 'About (optional)',
    limit: 200,
  }),
});
