// lichess: short proofs in the profile's biography (profile.bio of GET /api/user/{name}). The
// owner is the document's `id` (the lower-cased username). A closed account (disabled) is no
// account. Games and forum posts are never read.
import { KezError } from '@kez/core';
import { member, ownerSubject, profileChannel, JSON_API } from '../profile-channel.js';

interface LichessUser {
  id?: unknown;
  disabled?: unknown;
  profile?: { bio?: unknown };
}

export const lichessPlugin = profileChannel({
  name: 'lichess',
  place: (s) => ({ host: 'lichess.org', user: s.id }),
  headers: { accept: 'application/json' },
  ...JSON_API,
  async read({ host, user }, get) {
    const { doc, url } = await get(`https://${host}/api/user/${encodeURIComponent(user)}`);
    const u = doc as LichessUser;
    const id = String(member(u?.id, 'id', url));
    if (u.disabled === true)
      throw new KezError('no_account', `lichess account ${user} is closed`, { url });
    return {
      owner: { subject: ownerSubject('lichess', id), stableId: `lichess:${id}` },
      location: `https://${host}/@/${id}`,
      texts: [{ text: u.profile?.bio }],
    };
  },
  paste: () => ({ url: 'https://lichess.org/account/profile', field: 'Biography', limit: 400 }),
});
