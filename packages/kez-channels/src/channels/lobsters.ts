// lobsters: short proofs in the user's "about" (HTML) of GET /~{user}.json. The owner is the
// document's `username`. Stories and comments are never read.
import { member, ownerSubject, profileChannel, JSON_API } from '../profile-channel.js';

export const lobstersPlugin = profileChannel({
  name: 'lobsters',
  place: (s) => ({ host: 'lobste.rs', user: s.id }),
  ...JSON_API,
  async read({ host, user }, get) {
    const { doc, url } = await get(`https://${host}/~${encodeURIComponent(user)}.json`);
    const u = doc as { username?: unknown; about?: unknown };
    const name = String(member(u?.username, 'username', url));
    return {
      owner: { subject: ownerSubject('lobsters', name), stableId: `https://${host}/~${name}` },
      location: `https://${host}/~${name}`,
      texts: [{ text: u.about, html: true }],
    };
  },
  paste: () => ({ url: 'https://lobste.rs/settings', field: 'About' }),
});
