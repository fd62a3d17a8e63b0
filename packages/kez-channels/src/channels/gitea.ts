// gitea (Gitea, Forgejo, Codeberg): short proofs in the user's profile description. The owner
// is the `login` of GET /api/v1/users/{name} on the subject's host; the stable id its numeric
// `id`. `publish` edits the description with the user's own token (PATCH /api/v1/user/settings),
// keeping the rest of it.
import {
  member,
  ownerSubject,
  profileChannel,
  textWithProof,
  userAtHost,
  JSON_API,
} from '../profile-channel.js';

/** modules/structs/user.go UserSettingsOptions: `Description *string binding:"MaxSize(255)"`. */
const DESCRIPTION_LIMIT = 255;

interface GiteaUser {
  id?: unknown;
  login?: unknown;
  description?: unknown;
}

export const giteaPlugin = profileChannel({
  name: 'gitea',
  place: (s) => userAtHost(s.id),
  ...JSON_API,
  async read({ host, user }, get) {
    const { doc, url } = await get(`https://${host}/api/v1/users/${encodeURIComponent(user)}`);
    const u = doc as GiteaUser;
    const login = String(member(u?.login, 'login', url));
    return {
      owner: {
        subject: ownerSubject('gitea', `${login}@${host}`),
        stableId: `gitea-id:${String(member(u.id, 'id', url))}@${host}`,
      },
      location: `https://${host}/${login}`,
      texts: [{ text: u.description }],
    };
  },
  paste: ({ host }) => ({
    url: `https://${host}/user/settings`,
    field: 'Biography',
    limit: DESCRIPTION_LIMIT,
  }),
  write: {
    tokenEnv: 'GITEA_TOKEN',
    tokenHint: 'an access token with the write:user scope',
    async write({ host, user }, p, http) {
      const headers = { authorization: `token ${p.token}` };
      const settings = `https://${host}/api/v1/user/settings`;
      const current = (await http.get(settings, headers)).doc as { description?: unknown };
      const old = typeof current?.description === 'string' ? current.description : '';
      await http.send(settings, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ description: textWithProof(old, p.short, DESCRIPTION_LIMIT) }),
      });
      return `https://${host}/${user}`;
    },
  },
});
