// owncast (a self-hosted Owncast server): short proofs in the server's summary and its social
// handle links (GET /api/config). The owner is the host: only its administrator can change the
// server's configuration. Chat messages are never read.
import { KezError } from '@kez/core';
import { ownerSubject, profileChannel, JSON_API } from '../profile-channel.js';

interface OwncastConfig {
  summary?: unknown;
  socialHandles?: unknown;
}

export const owncastPlugin = profileChannel({
  name: 'owncast',
  place: (s) => ({ host: s.id, user: '' }),
  ...JSON_API,
  async read({ host }, get) {
    const { doc, url } = await get(`https://${host}/api/config`);
    const config = doc as OwncastConfig;
    if (config === null || typeof config !== 'object')
      throw new KezError('malformed', `${url}: not an Owncast configuration`, { url });
    const handles = Array.isArray(config.socialHandles) ? config.socialHandles : [];
    return {
      owner: { subject: ownerSubject('owncast', host), stableId: `https://${host}` },
      location: `https://${host}/`,
      texts: [
        { text: config.summary, html: true },
        ...handles.map((h) => ({ text: (h as { url?: unknown })?.url })),
      ],
    };
  },
  paste: ({ host }) => ({
    url: `https://${host}/admin/config/general/`,
    field: 'Server summary (or a social handle link)',
  }),
});
