// An account's public profile URL, for the rel="me" link of a verified account (Mastodon shows
// a verified link when the page it names links back with rel="me"). None where the service
// has no web profile of its own.
import { parseSubject } from '@kez/core';

export function profileUrl(subject: string): string | undefined {
  let s: ReturnType<typeof parseSubject>;
  try {
    s = parseSubject(subject);
  } catch {
    return undefined;
  }
  const rest = s.text.slice(s.channel.length + 1);
  switch (s.channel) {
    case 'github':
      return `https://github.com/${rest}`;
    case 'ap': {
      const m = /^@([^@]+)@(.+)$/.exec(rest);
      return m ? `https://${m[2]}/@${m[1]}` : undefined;
    }
    case 'bluesky':
      return `https://bsky.app/profile/${rest}`;
    case 'dns':
      return `https://${rest}/`;
    default:
      return undefined;
  }
}
