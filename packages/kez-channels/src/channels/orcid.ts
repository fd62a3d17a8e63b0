// orcid: short proofs in the record's biography and in its researcher URLs (websites & social
// links) of GET https://pub.orcid.org/v3.0/{id}/person. The owner is the iD the record states
// (its `path`); a researcher URL counts only when its source is that iD itself — member
// organisations can add URLs to a record, and those are not the researcher's word.
import { KezError } from '@kez/core';
import { member, ownerSubject, profileChannel } from '../profile-channel.js';

interface ResearcherUrl {
  'url-name'?: unknown;
  url?: { value?: unknown };
  source?: { 'source-orcid'?: { path?: unknown } | null };
}
interface OrcidPerson {
  path?: unknown;
  biography?: { content?: unknown } | null;
  'researcher-urls'?: { 'researcher-url'?: ResearcherUrl[] } | null;
}

export const orcidPlugin = profileChannel({
  name: 'orcid',
  place: (s) => ({ host: 'pub.orcid.org', user: s.id }),
  headers: { accept: 'application/json' },
  contentTypes: ['application/json', 'application/vnd.orcid+json'],
  maxBytes: 512 * 1024,
  maxRedirects: 0,
  async read({ host, user }, get) {
    const { doc, url } = await get(`https://${host}/v3.0/${encodeURIComponent(user)}/person`);
    const person = doc as OrcidPerson;
    const path = String(member(person?.path, 'path', url));
    const m = /^\/([0-9X-]+)\/person$/.exec(path);
    if (!m) throw new KezError('malformed', `${url}: path ${path} is not a record's`, { url });
    const id = m[1]!;
    const urls = person['researcher-urls']?.['researcher-url'];
    const own = (Array.isArray(urls) ? urls : []).filter(
      (u) => u?.source?.['source-orcid']?.path === id,
    );
    return {
      owner: { subject: ownerSubject('orcid', id), stableId: `https://orcid.org/${id}` },
      location: `https://orcid.org/${id}`,
      texts: [{ text: person.biography?.content }, ...own.map((u) => ({ text: u.url?.value }))],
    };
  },
  paste: () => ({
    url: 'https://orcid.org/my-orcid',
    field: 'Websites & social links (a link named KEZ), or Biography',
  }),
});
