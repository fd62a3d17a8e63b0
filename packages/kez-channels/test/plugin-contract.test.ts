// The contract every channel plugin in the registry keeps, checked the same way for each
// (worlds in contract-worlds.ts; a registered plugin without one fails here):
//  - an honest account's proofs carry its canonical subject as owner, with a stable id;
//  - every failure is a KezError with a SPEC §9 code;
//  - a proof in another account's document, in a comment or reply, behind a redirect off the
//    service or in an oversized answer never verifies;
//  - every HTTP read goes through env.fetch (the one safe fetcher) with the plugin's declared
//    redirect policy and size cap — the peer saw exactly the requests the spy saw.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CODES, isCanonicalSubject, isKezError, parseSubject, type KezError } from '@kez/core';
import { defaultRegistry } from '../src/channels/index.js';
import { evaluateCandidate } from '../src/proofs.js';
import type { Candidate, ChannelPlugin, FetchPolicy } from '../src/types.js';
import {
  contractIdentity,
  contractWorlds,
  type Case,
  type ContractWorld,
} from './contract-worlds.js';
import { loopbackEnv } from './helpers.js';

interface Outcome {
  candidates?: Candidate[];
  error?: unknown;
  calls: Array<{ url: string; policy: FetchPolicy }>;
}

/** Locates through a spying env; a direct global fetch would throw. */
async function locate(
  plugin: ChannelPlugin,
  world: ContractWorld,
  subject: string,
): Promise<Outcome> {
  const env = loopbackEnv(world.config, world.credentials);
  const calls: Outcome['calls'] = [];
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(() => {
    throw new Error('a plugin called the global fetch, not env.fetch');
  });
  try {
    const candidates = await plugin.locate(parseSubject(subject), {
      ...env,
      fetch: (url, policy = {}) => {
        calls.push({ url, policy });
        return env.fetch(url, policy);
      },
    });
    return { candidates, calls };
  } catch (error) {
    return { error, calls };
  } finally {
    spy.mockRestore();
    await env.close();
  }
}

function expectKezError(e: unknown, codes?: string[]): KezError {
  expect(isKezError(e), `not a KezError: ${String(e)}`).toBe(true);
  const k = e as KezError;
  expect(CODES).toContain(k.code);
  if (codes) expect(codes).toContain(k.code);
  return k;
}

/** Nothing at the place verifies for `subject`: no candidate, or each one refused. */
function expectNeverValid(subject: string, o: Outcome): void {
  if (o.error !== undefined) return void expectKezError(o.error);
  for (const c of o.candidates ?? [])
    expect(evaluateCandidate(parseSubject(subject), c, contractIdentity.now).status).not.toBe(
      'valid',
    );
}

const registry = defaultRegistry();

for (const plugin of registry.allPlugins()) {
  describe(`channel contract: ${plugin.name}`, () => {
    const make = contractWorlds[plugin.name];
    let world: ContractWorld;
    let before = 0;

    beforeAll(async () => {
      if (make) world = await make();
    }, 120_000);
    afterAll(async () => {
      await world?.close();
    });

    /** Runs a case and checks the fetch contract on the requests it made. */
    async function run(subject: string): Promise<Outcome> {
      before = world.httpRequests() ?? 0;
      const o = await locate(plugin, world, subject);
      const seen = world.httpRequests();
      if (seen !== undefined) {
        // Each env.fetch call is one request, plus the redirect hops its policy allows.
        const hops = o.calls.reduce((t, c) => t + 1 + (c.policy.maxRedirects ?? 3), 0);
        expect(seen - before, 'requests not made through env.fetch').toBeGreaterThanOrEqual(
          o.calls.length,
        );
        expect(seen - before, 'requests not made through env.fetch').toBeLessThanOrEqual(hops);
      }
      for (const { policy } of o.calls) {
        const declared = plugin.fetchPolicy;
        if (declared && !policy.method) {
          expect(policy.maxBytes).toBe(declared.maxBytes);
          expect(policy.maxRedirects).toBe(declared.maxRedirects);
          expect(policy.redirectHosts ?? 'same-origin').toEqual(
            declared.redirectHosts ?? 'same-origin',
          );
        }
        expect(policy.maxRedirects ?? 3).toBeLessThanOrEqual(3);
      }
      return o;
    }

    async function hostile(c: () => Case, codes?: string[]): Promise<Outcome | undefined> {
      const made = c();
      if ('na' in made) {
        expect(made.na.length).toBeGreaterThan(0);
        return undefined;
      }
      const subject = await made;
      const o = await run(subject);
      expectNeverValid(subject, o);
      if (codes) expectKezError(o.error, codes);
      return o;
    }

    it('has contract hooks (test/contract-worlds.ts)', () => {
      expect(make, `no contract world for plugin ${plugin.name}`).toBeDefined();
    });

    const itWorld = it.skipIf(!make);

    itWorld(
      'an honest account: owner canonical, the queried subject, with a stable id',
      async () => {
        const subject = await world.honest();
        const o = await run(subject);
        expect(o.error).toBeUndefined();
        expect(o.candidates?.length).toBeGreaterThan(0);
        for (const c of o.candidates!) {
          expect(isCanonicalSubject(c.owner.subject)).toBe(true);
          expect(c.owner.subject).toBe(parseSubject(subject).text);
          // The positive control of the hostile cases below: this one does verify (as a pointer).
          expect(evaluateCandidate(parseSubject(subject), c, contractIdentity.now).status).toBe(
            'valid',
          );
        }
      },
    );

    itWorld('an unknown account is nothing to check, as a KezError with a SPEC code', async () => {
      const o = await run(world.missing());
      if (o.error !== undefined) expectKezError(o.error, ['no_account', 'no_proof']);
      else expect(o.candidates).toEqual([]);
    });

    itWorld("another account's document answering for the subject never verifies", async () => {
      await hostile(() => world.planted());
    });

    itWorld('a proof only in a comment or reply is never read', async () => {
      const o = await hostile(() => world.inComment());
      if (o) expect(o.candidates ?? []).toEqual([]);
      expect(world.commentsRead()).toBe(false);
    });

    itWorld('a redirect off the service is refused', async () => {
      await hostile(() => world.redirectOff(), ['redirect', 'blocked_address']);
    });

    itWorld('an oversized answer is refused while streaming', async () => {
      await hostile(() => world.huge(), ['too_large']);
    });
  });
}

describe('the contract can fail', () => {
  it('a plugin that names the queried subject as owner verifies the planted case (so the check above bites)', async () => {
    const world = await contractWorlds.gitlab!();
    try {
      const gitlab = registry.plugin('gitlab');
      const naive: ChannelPlugin = {
        name: 'gitlab',
        locate: async (s, env) =>
          (await gitlab.locate(s, env)).map((c) => ({ ...c, owner: { subject: s.text } })),
      };
      const subject = await (world.planted() as Promise<string>);
      const o = await locate(naive, world, subject);
      const statuses = o.candidates!.map(
        (c) => evaluateCandidate(parseSubject(subject), c, contractIdentity.now).status,
      );
      expect(statuses).toContain('valid');
    } finally {
      await world.close();
    }
  });

  it('a plugin that fetches around env.fetch is caught', async () => {
    const world = await contractWorlds.reddit!();
    try {
      const sneaky: ChannelPlugin = {
        name: 'reddit',
        locate: async () => {
          await fetch('https://www.reddit.com/user/x/about.json');
          return [];
        },
      };
      const o = await locate(sneaky, world, await world.honest());
      expect(String(o.error)).toMatch(/global fetch/);
    } finally {
      await world.close();
    }
  });
});
