// An account's public web profile, for rel="me" links (Mastodon shows a link as verified when
// the page it names links back with rel="me"): the profile page (kez-web) links each account
// it verified, the sig-server's copy of it each account the chain claims. None where the
// service has no web profile of its own. Browser-safe.
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
