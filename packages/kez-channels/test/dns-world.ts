// The DNS test world: deterministic identities and the _kez TXT records nsd serves for them.
// global-setup.ts builds the zone from it; the tests rebuild the same identities (fixed seeds).
import { TestChain as TestIdentity } from '@kez/test-kit/chain-builder';
import type { TxtRecord } from '@kez/test-kit';

export async function dnsWorld() {
  // A locator makes the compact claim longer than 255 bytes, so its record is chunked.
  const alice = TestIdentity.create({ seed: 1 });
  const aliceClaim = alice.add('dns:alice.example', {
    locators: ['https://sig.example/one', 'https://sig.example/two'],
  });
  const other = TestIdentity.create({ seed: 2 });
  const otherClaim = other.add('dns:alice.example');
  const bobsFake = alice.add('dns:bob.example'); // published at bob's name by alice: fine
  const carol = TestIdentity.create({ seed: 3 });
  const carolOld = carol.add('dns:carol.example');
  carol.revoke('dns:carol.example');
  const carolNew = carol.add('dns:carol.example');
  const mallory = TestIdentity.create({ seed: 4 });
  const misplaced = mallory.add('dns:alice.example'); // a proof for alice's domain, published under mallory's

  const records: TxtRecord[] = [
    { name: '_kez.alice.example', strings: await TestIdentity.txtStrings(aliceClaim) },
    { name: '_kez.alice.example', strings: await TestIdentity.txtStrings(otherClaim) },
    { name: '_kez.alice.example', strings: ['v=spf1 -all'] },
    { name: '_kez.alice.example', strings: ['google-site-verification=abc'] },
    { name: '_kez.bob.example', strings: await TestIdentity.txtStrings(bobsFake) },
    { name: '_kez.carol.example', strings: await TestIdentity.txtStrings(carolOld) },
    { name: '_kez.carol.example', strings: await TestIdentity.txtStrings(carolNew) },
    { name: '_kez.mallory.example', strings: await TestIdentity.txtStrings(misplaced) },
    { name: '_kez.broken.example', strings: ['kez:z1:not*base64url'] },
    { name: '_kez.empty.example', strings: ['only a note'] },
  ];
  return {
    alice,
    aliceClaim,
    other,
    otherClaim,
    carol,
    carolOld,
    carolNew,
    mallory,
    misplaced,
    records,
  };
}
