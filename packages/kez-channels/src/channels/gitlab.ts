// gitlab (any GitLab instance): short proofs in the user's bio and status message. The owner
// is the user GitLab's REST API returns for the id the username lookup gave (GET /users/:id),
// never a name in the text; the stable id is that numeric id. `publish` sets the status
// message with the user's own token (PUT /user/status, ≤ 100 characters): GitLab's bio is
// writable only by administrators through the API (PUT /users/:id).
import { KezError } from '@kez/core';
import {
  member,
  ownerSubject,
  profileChannel,
  textWithProof,
  userAtHost,
  JSON_API,
} from '../profile-channel.js';

/** app/models/user_status.rb: `validates :message, length: { maximum: 100 }`. */
const STATUS_LIMIT = 100;

interface GitlabUser {
  id?: unknown;
  username?: unknown;
  bio?: unknown;
  web_url?: unknown;
}

export const gitlabPlugin = profileChannel({
  name: 'gitlab',
  place: (s) => userAtHost(s.id),
  ...JSON_API,
  async read({ host, user }, get) {
    const api = `https://${host}/api/v4`;
    const list = await get(`${api}/users?username=${encodeURIComponent(user)}`);
    const found = Array.isArray(list.doc) ? (list.doc as GitlabUser[]) : undefined;
    if (!found) throw new KezError('malformed', `${list.url}: not a user list`, { url: list.url });
    const id = found[0]?.id;
    if (typeof id !== 'number')
      throw new KezError('no_account', `no GitLab user ${user} on ${host}`, { url: list.url });
    const [profile, status] = await Promise.all([
      get(`${api}/users/${id}`),
      get(`${api}/users/${id}/status`),
    ]);
    const u = profile.doc as GitlabUser;
    if (u?.id !== id)
      throw new KezError('subject_mismatch', `${profile.url} is not user ${id}`, {
        url: profile.url,
      });
    const name = member(u.username, 'username', profile.url);
    return {
      owner: {
        subject: ownerSubject('gitlab', `${String(name)}@${host}`),
        stableId: `gitlab-id:${id}@${host}`,
      },
      location: typeof u.web_url === 'string' ? u.web_url : profile.url,
      texts: [{ text: u.bio }, { text: (status.doc as { message?: unknown })?.message }],
    };
  },
  paste: ({ host }) => ({
    url: `https://${host}/-/user_settings/profile`,
    field: 'Bio',
    limit: 255,
  }),
  write: {
    tokenEnv: 'GITLAB_TOKEN',
    tokenHint: 'a personal access token with the api scope',
    async write({ host, user }, p, http) {
      const headers = { 'private-token': p.token };
      await http.send(`https://${host}/api/v4/user/status`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ message: textWithProof('', p.short, STATUS_LIMIT) }),
      });
      return `https://${host}/${user}`;
    },
  },
});
