// discourse (any Discourse forum): short proofs in the user's "About me" (bio_raw of
// GET /u/{username}.json). The owner is that document's user.username on the subject's host;
// the stable id user.id. Posts and replies are never read. `publish` sets bio_raw with a user
// API key (PUT /u/{username}.json, Api-Key and Api-Username headers), keeping the rest of it.
import {
  member,
  ownerSubject,
  profileChannel,
  textWithProof,
  userAtHost,
} from '../profile-channel.js';

/** app/models/user_profile.rb: `validates :bio_raw, length: { maximum: 3000 }`. */
const BIO_LIMIT = 3000;

interface DiscourseUser {
  user?: { id?: unknown; username?: unknown; bio_raw?: unknown };
}

export const discoursePlugin = profileChannel({
  name: 'discourse',
  place: (s) => userAtHost(s.id),
  headers: { accept: 'application/json' },
  contentTypes: ['application/json'],
  maxBytes: 512 * 1024,
  maxRedirects: 0,
  async read({ host, user }, get) {
    const { doc, url } = await get(`https://${host}/u/${encodeURIComponent(user)}.json`);
    const u = member((doc as DiscourseUser)?.user, 'user', url);
    const name = String(member(u.username, 'user.username', url));
    return {
      owner: {
        subject: ownerSubject('discourse', `${name}@${host}`),
        stableId: `discourse-id:${String(member(u.id, 'user.id', url))}@${host}`,
      },
      location: `https://${host}/u/${name}/summary`,
      texts: [{ text: u.bio_raw }],
    };
  },
  paste: ({ host, user }) => ({
    url: `https://${host}/u/${user}/preferences/profile`,
    field: 'About me',
    limit: BIO_LIMIT,
  }),
  write: {
    tokenEnv: 'DISCOURSE_API_KEY',
    tokenHint: 'a user API key (or an admin key) allowed to edit this user',
    async write({ host, user }, p, http) {
      const headers = { 'api-key': p.token, 'api-username': user };
      const url = `https://${host}/u/${encodeURIComponent(user)}.json`;
      const current = (await http.get(url, headers)).doc as DiscourseUser;
      const old = typeof current?.user?.bio_raw === 'string' ? current.user.bio_raw : '';
      await http.send(url, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ bio_raw: textWithProof(old, p.short, BIO_LIMIT) }),
      });
      return `https://${host}/u/${user}/summary`;
    },
  },
});
