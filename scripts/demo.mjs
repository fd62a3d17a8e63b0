#!/usr/bin/env node
// `npm run demo [-- --keep]`: the main job end to end on this machine, no internet. Starts local
// peers (nsd with a DoH endpoint, GitHub, Mastodon, GitLab and Reddit stand-ins, the real
// sig-server serving the profile page, a real nostr relay, a real atproto PDS + PLC), makes an
// identity with the real `kez` CLI, links its accounts, publishes the proofs (Reddit's pasted as
// kez prints it), revokes one, publishes the sigchain, then runs `kez verify id` and prints the
// profile page's URL. Everything is stopped at the end; with --keep the peers stay up (Ctrl-C
// stops them) so a person can open the page.
import { startDemoWorld } from '@kez/test-kit/demo-world';

const keep = process.argv.includes('--keep');
const bold = (s) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[22m` : s);
const log = (line) => console.log(line.startsWith('== ') ? `\n${bold(line)}` : line);

let world;
try {
  log('== starting local peers (loopback only)');
  world = await startDemoWorld({ log });

  log('== verifying the identity graph from one account');
  const human = await world.kez(['verify', 'id', 'github:alice'], { allowFail: true });
  console.log(`$ kez verify id github:alice\n${human.out.replace(/^/gm, '  ')}`);
  const json = JSON.parse(
    (await world.kez(['--json', 'verify', 'id', 'github:alice'], { allowFail: true })).out,
  );
  const summary = Object.fromEntries(
    json.edges.map((e) => [e.subject, e.code ? `${e.status} (${e.code})` : e.status]),
  );
  console.log(`\nexit code ${human.code}; edges: ${JSON.stringify(summary)}`);
  const ok =
    json.status === 'valid' &&
    world.subjects.filter((s) => s !== world.revoked).every((s) => summary[s] === 'valid') &&
    summary[world.revoked]?.startsWith('revoked');
  console.log(
    ok
      ? '\ndemo: OK — every live account verified, the revoked one is revoked'
      : '\ndemo: UNEXPECTED RESULT',
  );
  log('== the profile page (verifies the same graph in your browser)');
  console.log(`  ${world.pageUrl}`);
  process.exitCode = ok ? 0 : 1;
  if (keep) {
    console.log('\n--keep: the peers stay up; press Ctrl-C to stop them.');
    await new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } else console.log('  (run `npm run demo -- --keep` to keep the peers up and open it)');
} catch (e) {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
} finally {
  log('== stopping peers');
  await world?.stop();
}
