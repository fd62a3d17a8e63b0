// kez claim SUBJECT (make, add to the chain, print in an encoding) | kez claim verify FILE|-
import type { Claim, EncodingName, SignedObject, Verdict } from '@kez/core';
import { arg, command, option } from '../command-definition.js';
import type { Env } from '../context.js';
import { usageError } from '../errors.js';
import type { Outcome } from '../exit-codes.js';
import type { KezCore } from '../core.js';
import { fields, statusWord, time } from '../format.js';
import { TooLargeError } from '../fs-safe.js';
import { CLAIM_INPUT_LIMIT } from '../limits.js';
import { shortProofHome } from '../homes.js';
import {
  appendEvent,
  buildClaim,
  claimOptions,
  type LocalChain,
  liveClaim,
  loadLocalChain,
  subjectArg,
} from '../local-chain.js';
import { notUtf8, outFile, readInput, writeUserFile } from '../user-files.js';
import { chainFromFile, judgeShortText, looksShort, reportVerdict } from './verify-short.js';

/** `--format` values: the four encodings of SPEC §8, and the short proof of §5.2. */
const FORMATS: Record<string, EncodingName | 'short'> = {
  json: 'json',
  compact: 'compact',
  md: 'markdown',
  markdown: 'markdown',
  dns: 'dns',
  short: 'short',
};
const formatOption = option('--format <format>', 'short, json, compact, md or dns', 'md');

function formatOf(name: string): EncodingName | 'short' {
  const f = FORMATS[name];
  if (f === undefined)
    throw usageError(
      `unknown format '${name}'`,
      'use --format short, json, compact, md or dns',
      'bad_format',
    );
  return f;
}

/** The claim as the place gets it; a short proof links to the identity's sig-server home. */
async function claimText(
  env: Env,
  chain: LocalChain,
  claim: Claim,
  format: EncodingName | 'short',
): Promise<string> {
  const { core } = chain;
  if (format === 'short')
    return withNewline(core.formatShortProof(chain.identity, shortProofHome(core, chain.homes)));
  if (format === 'compact' || format === 'dns') env.out.progress('compressing the claim…');
  return withNewline(await core.encode(claim, format));
}

/** A short proof is only the account's half: the chain's half reaches verifiers when published. */
const PUBLISH_STEP =
  'put it at the place, then `kez sigchain publish` (a short proof counts only once the chain holds the claim)';

/** Where the text goes for SUBJECT's channel: the exact place a verifier looks (kez-channels). */
export function placeFor(
  core: KezCore,
  subjectText: string,
  format: EncodingName | 'short',
): string {
  const s = core.parseSubject(subjectText);
  const short = format === 'short';
  switch (s.channel) {
    case 'dns':
      // A provider's single-value form keeps quotes as part of the value (SPEC §10).
      return short
        ? `a TXT record named _kez.${s.id}: paste the value as it is, without quotes (\`kez publish ${s.text}\` prints it and the zone-file line)`
        : `a TXT record named _kez.${s.id}${format === 'dns' ? ' (this quoted form is for a zone file only' : ' (use --format short'}: a provider's form takes the short proof, which fits one TXT string; \`kez publish ${s.text}\` prints it)`;
    case 'github':
      return short
        ? `the bio of the GitHub account ${s.id}`
        : `a public gist of ${s.id} with a file named kez.md (or NAME.kez.md); \`kez publish ${s.text}\` makes it with GITHUB_TOKEN`;
    case 'ap':
      return `a profile field of ${s.id} (any name; \`kez publish ${s.text}\` uses KEZ)${short ? '' : ': a field holds 255 characters, so use --format short'}`;
    case 'bluesky':
      return `a proof record of ${s.id}: \`kez publish ${s.text}\` writes it (BLUESKY_APP_PASSWORD)`;
    case 'nostr':
      return `an event of ${s.text} signed by its own key: \`kez publish ${s.text}\` posts it (the key in this store)`;
    case 'web':
      return `https://${s.id}/.well-known/kez (text/plain), or a <link rel="me"> or <meta name="kez"> in the <head> of https://${s.id}/ (use --format short for it); \`kez publish ${s.text}\` prints both`;
    case 'openpgp':
      return `a notation kez@kez.dev on the self-signature of your key for ${s.id}, served by its domain's Web Key Directory (use --format short for it); \`kez publish ${s.text}\` prints the gpg steps`;
    case 'matrix': {
      const at = s.id.lastIndexOf('@');
      return `the custom profile field dev.kez.proof of @${s.id.slice(0, at)}:${s.id.slice(at + 1)} (use --format short for it): \`kez publish ${s.text}\` writes it with MATRIX_TOKEN`;
    }
    case 'irc': {
      const at = s.id.lastIndexOf('@');
      return `the NickServ property KEZ of the account ${s.id.slice(0, at)} on ${s.id.slice(at + 1)} (use --format short: a property keeps 300 characters): \`kez publish ${s.text}\` sets it with IRC_PASSWORD, or prints the /msg NickServ line`;
    }
    default:
      return `a place only ${s.text} can write`;
  }
}

export const claimCommand = command({
  name: 'claim',
  examples: [
    'kez claim github:alice --format md',
    'kez claim dns:example.com --format dns --expires-in 1y',
    'kez claim github:alice --out proof.md',
  ],
  description:
    'make a claim for SUBJECT (added to the sigchain) and print it; `claim show SUBJECT` prints it again; `claim verify FILE`',
  args: [subjectArg],
  options: {
    format: formatOption,
    ...claimOptions,
    out: option(
      '--out <file>',
      'write the encoded claim to FILE (stdout then prints the claim hash; - for stdout); an existing FILE only with --force',
    ),
  },
  run: async (env, args, opts) => {
    const format = formatOf(opts.format);
    const out = outFile(opts.out);
    const chain = await loadLocalChain(env);
    const made = buildClaim(env, chain, args[0], opts);
    // Encode before storing: a claim that cannot be printed is not added either.
    const text = await claimText(env, chain, made.claim, format);
    // The file first: a path that cannot be written must leave the chain as it was.
    if (out !== undefined) writeUserFile(out, text, opts.force === true);
    appendEvent(env, chain, made.event);
    const doc = {
      hash: made.hash,
      seq: made.event.seq,
      subject: made.claim.subject,
      identity: chain.identity,
      encoding: format,
      text,
      claim: made.claim,
      next_step: PUBLISH_STEP,
      place: placeFor(chain.core, made.claim.subject, format),
    };
    if (env.out.json) {
      env.out.result(doc, () => made.hash);
    } else if (out !== undefined) {
      env.out.result(doc, () =>
        [
          made.hash,
          `claim added at seq ${made.event.seq}; wrote it to ${out}`,
          `put it in ${doc.place}`,
          `then: \`kez sigchain publish\`, so verifiers find the chain that holds the claim`,
        ].join('\n'),
      );
    } else {
      env.out.progress(`claim ${made.hash} added at seq ${made.event.seq}; ${PUBLISH_STEP}`);
      env.out.progress(`put it in ${doc.place}`);
      env.out.raw(text);
    }
  },
  // `claim` has its own action, so `verify` is matched first as a subcommand name.
  subcommands: [
    command({
      name: 'show',
      examples: ['kez claim show github:alice', 'kez claim show dns:example.com --format dns'],
      description: 'print the live claim for SUBJECT again (no new chain event)',
      args: [subjectArg],
      options: { format: formatOption },
      run: async (env, args, opts) => {
        const format = formatOf(opts.format);
        const chain = await loadLocalChain(env);
        const [hash, entry] = liveClaim(chain, args[0]);
        const text = await claimText(env, chain, entry.claim, format);
        if (!env.out.json) return env.out.raw(text);
        env.out.result(
          {
            hash,
            seq: entry.seq,
            subject: entry.claim.subject,
            identity: chain.identity,
            encoding: format,
            text,
            claim: entry.claim,
          },
          () => text,
        );
      },
    }),
    command({
      name: 'verify',
      examples: ['kez claim verify proof.md', 'kez claim verify - --chain chain.jsonl < proof.md'],
      description: 'verify a claim in any encoding, offline or against a sigchain bundle (--chain)',
      args: [arg('<file>', 'the claim, or - for stdin')],
      options: {
        chain: option(
          '--chain <bundle>',
          "the identity's sigchain bundle, to check revocation, rotation and devices",
        ),
        subject: option(
          '--subject <subject>',
          'when FILE holds a short proof (SPEC §5.2): the account whose place it is (needs --chain)',
        ),
      },
      run: async (env, args, opts) => verifyClaimFile(env, args[0], opts.chain, opts.subject),
    }),
  ],
});

interface ClaimReport extends Verdict {
  encoding: EncodingName | null;
  object: SignedObject | null;
  chain_consulted: boolean;
}

async function verifyClaimFile(
  env: Env,
  file: string,
  chainFile: string | undefined,
  subject: string | undefined,
): Promise<Outcome> {
  const core = await env.core();
  if (subject !== undefined) {
    const text = readInput(file, CLAIM_INPUT_LIMIT).text;
    if (text !== undefined && looksShort(text)) {
      if (chainFile === undefined)
        throw usageError(
          'a short proof is judged against the chain',
          "add --chain BUNDLE (the identity's `kez sigchain export`)",
          'no_chain',
        );
      return reportVerdict(env, await judgeShortText(env, text, subject, chainFile));
    }
  }
  const report: ClaimReport = { ...(await offline(env, file)), chain_consulted: false };
  if (
    chainFile !== undefined &&
    report.object?.type === 'claim' &&
    report.status !== 'invalid' &&
    report.status !== 'not_found'
  ) {
    const chain = await chainFromFile(env, chainFile);
    Object.assign(
      report,
      pickVerdict(core.claimStatus(report.object as Claim, chain, { now: env.now })),
      { chain_consulted: true },
    );
  }
  env.out.result(
    {
      status: report.status,
      code: report.code ?? null,
      reason: report.reason,
      evidence: report.evidence,
      encoding: report.encoding,
      object: report.object,
      chain_consulted: report.chain_consulted,
    },
    () => render(env, report),
  );
  return report.status;
}

/** Decode (any encoding) and verify without a chain: SPEC §4 and expiry. */
async function offline(env: Env, file: string): Promise<Omit<ClaimReport, 'chain_consulted'>> {
  const core = await env.core();
  let text: string | undefined;
  try {
    text = readInput(file, CLAIM_INPUT_LIMIT).text;
  } catch (e) {
    if (!(e instanceof TooLargeError)) throw e;
    return {
      status: 'invalid',
      code: 'too_large',
      reason: `the input is larger than ${CLAIM_INPUT_LIMIT} bytes`,
      evidence: {},
      encoding: null,
      object: null,
    };
  }
  if (text === undefined) return { ...notUtf8('input'), encoding: null, object: null };
  let decoded: { encoding: EncodingName; object: SignedObject };
  try {
    decoded = core.decode(text);
  } catch (e) {
    return { ...pickVerdict(core.verdictOf(e)), encoding: detect(core, text), object: null };
  }
  const { encoding, object } = decoded;
  if (object.type !== 'claim') {
    return {
      status: 'invalid',
      code: 'malformed',
      reason: `this is a KEZ ${object.type}, not a claim`,
      evidence: { type: object.type },
      encoding,
      object,
    };
  }
  return { ...pickVerdict(core.verifyClaim(object, { now: env.now })), encoding, object };
}

function pickVerdict(v: Verdict): Verdict {
  const out: Verdict = { status: v.status, reason: v.reason, evidence: v.evidence };
  if (v.code !== undefined) out.code = v.code;
  return out;
}

function detect(core: Awaited<ReturnType<Env['core']>>, text: string): EncodingName | null {
  try {
    return core.detectEncoding(text);
  } catch {
    return null;
  }
}

function render(env: Env, r: ClaimReport): string {
  const { out } = env;
  // Offline, a good signature is not the verdict (the chain may have revoked the claim or the
  // key): no tick and no bare "valid" that reads as verified.
  const lines =
    r.status === 'valid' && !r.chain_consulted
      ? [
          `${out.paint('bold', 'signature ok')} ${out.paint('dim', '(offline: chain not consulted)')}`,
          `  ${out.paint(
            'dim',
            "not the full verdict: add --chain BUNDLE (the identity's `kez sigchain export`)",
          )}`,
        ]
      : [
          `${statusWord(out, r.status, r.code)}  ${out.paint('dim', r.chain_consulted ? 'checked against the sigchain' : 'chain not consulted')}`,
        ];
  const rows: Array<[string, string]> = [];
  const c = r.object?.type === 'claim' ? r.object : undefined;
  // What an invalid object says proves nothing; say so before printing it.
  if (c && r.status === 'invalid')
    lines.push(out.paint('dim', 'what the claim says (NOT verified):'));
  if (c) {
    rows.push(
      ['subject', c.subject],
      ['key', c.key],
      ['identity', c.identity],
      ['seq', String(c.seq)],
      ['created', time(c.created_at)],
    );
    rows.push(['expires', c.expires_at === undefined ? 'never' : time(c.expires_at)]);
    if (c.locators) rows.push(['locators', c.locators.join(' ')]);
  }
  if (r.encoding) rows.push(['encoding', r.encoding]);
  rows.push(['reason', r.reason]);
  lines.push(fields(rows));
  return lines.join('\n');
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
