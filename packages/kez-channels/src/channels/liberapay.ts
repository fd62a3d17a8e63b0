// liberapay: short proofs in the user's profile statements (statements[].content of
// GET /{user}/public.json). The owner is the document's `username`; the stable id its numeric
// `id`. Liberapay redirects a differently-cased name to its own spelling, so one same-origin
// redirect is followed.
import { member, ownerSubject, profileChannel } from '../profile-channel.js';

interface LiberapayPublic {
  id?: unknown;
  username?: unknown;
  statements?: unknown;
}

export const liberapayPlugin = profileChannel({
  name: 'liberapay',
  place: (s) => ({ host: 'liberapay.com', user: s.id }),
  headers: { accept: 'application/json' },
  contentTypes: ['application/json'],
  maxBytes: 256 * 1024,
  maxRedirects: 1,
  async read({ host, user }, get) {
    const { doc, url } = await get(`https://${host}/${encodeURIComponent(user)}/public.json`);
    const u = doc as LiberapayPublic;
    const name = String(member(u?.username, 'username', url));
    const statements = Array.isArray(u.statements) ? u.statements : [];
    return {
      owner: {
        subject: ownerSubject('liberapay', name),
        stableId: `liberapay-id:${String(member(u.id, 'id', url))}`,
      },
      location: `https://${host}/${name}/`,
      texts: statements.map((s) => ({ text: (s as { content?: unknown })?.content })),
    };
  },
  paste: ({ user }) => ({
    url: `https://liberapay.com/${user}/edit/statement`,
    field: 'Statement',
  }),
});
