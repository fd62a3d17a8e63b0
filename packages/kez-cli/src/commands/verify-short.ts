// kez verify short TEXT --subject SUBJECT --bundle FILE: a place's text judged offline for its
// short proofs (SPEC §5.2) against the identity's sigchain bundle. `claim verify FILE --chain
// BUNDLE --subject SUBJECT` reaches the same judge when FILE holds a short proof.
import type { ChainResult, Verdict } from '@kez/core';
import { arg, command, option } from '../command-definition.js';
import type { Env } from '../context.js';
import { usageError } from '../errors.js';
import type { Outcome } from '../exit-codes.js';
import { statusWord } from '../format.js';
import { BUNDLE_LIMIT, CLAIM_INPUT_LIMIT } from '../limits.js';
import { parseSubjectArg } from '../local-chain.js';
import { escapeTerminal } from '../terminal-text.js';
import { readInput } from '../user-files.js';

/** The sigchain in a bundle file (or - for stdin); text that is not UTF-8 is a malformed chain. */
export async function chainFromFile(env: Env, file: string): Promise<ChainResult> {
  const core = await env.core();
  const bundle = readInput(file, BUNDLE_LIMIT).text;
  if (bundle === undefined)
    return {
      status: 'invalid',
      code: 'malformed',
      reason: 'the bundle is not UTF-8 text',
      evidence: {},
      events: [],
      allEvents: [],
    };
  return core.verifyChain(bundle, { now: env.now });
}

/** True when `text` holds a short proof rather than an encoded signed object (SPEC §8). */
export function looksShort(text: string): boolean {
  const t = text.trimStart();
  return text.includes('kez:id:') && !/^(\{|kez:z1:|"|#)/.test(t);
}

/**
 * The text's short proofs judged for `subjectInput` against the bundle's chain (SPEC §10,
 * several identities at one place): the verdict is the chain's identity's own; the other
 * identities the text names are listed in the evidence, never mixed in, and the text's order
 * changes nothing.
 */
export async function judgeShortText(
  env: Env,
  text: string,
  subjectInput: string,
  bundleFile: string,
): Promise<Verdict> {
  const core = await env.core();
  const subject = parseSubjectArg(core, subjectInput);
  let identities: string[];
  try {
    identities = [...new Set(core.findShortProofs(text).map((p) => p.identity))].sort();
  } catch (e) {
    return core.verdictOf(e);
  }
  if (identities.length === 0)
    return {
      status: 'not_found',
      code: 'no_proof',
      reason: 'no short proof in the text',
      evidence: {},
    };
  const chain = await chainFromFile(env, bundleFile);
  const own = chain.state?.identity;
  const named = own !== undefined && identities.includes(own) ? own : identities[0]!;
  const v = core.judgeShortProof(named, subject, chain, { now: env.now });
  const others = identities.filter((i) => i !== named);
  return others.length === 0 ? v : { ...v, evidence: { ...v.evidence, other_identities: others } };
}

export function reportVerdict(env: Env, v: Verdict): Outcome {
  env.out.result(
    { status: v.status, code: v.code ?? null, reason: v.reason, evidence: v.evidence },
    () => `${statusWord(env.out, v.status, v.code)}  ${escapeTerminal(v.reason)}`,
  );
  return v.status;
}

export const verifyShortCommand = command({
  name: 'short',
  examples: ["kez verify short 'kez:…' --subject github:alice --bundle chain.jsonl"],
  description:
    "judge a place's text (a bio, a profile field, a TXT record) for SUBJECT against the identity's sigchain bundle, offline",
  args: [arg('<text>', 'the text itself, or - for stdin')],
  options: {
    subject: option('--subject <subject>', 'the account whose place the text is, e.g. github:NAME'),
    bundle: option('--bundle <file>', "the identity's sigchain bundle (kez sigchain export)"),
  },
  run: async (env, args, opts) => {
    if (opts.subject === undefined || opts.bundle === undefined)
      throw usageError(
        'verify short needs --subject and --bundle',
        'e.g. kez verify short "$(cat bio.txt)" --subject github:alice --bundle chain.jsonl',
      );
    const text = args[0] === '-' ? readInput('-', CLAIM_INPUT_LIMIT).text : args[0];
    if (text === undefined) throw usageError('the text is not UTF-8', "give the place's text");
    return reportVerdict(env, await judgeShortText(env, text, opts.subject, opts.bundle));
  },
});
