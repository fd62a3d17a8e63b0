// Bundles (SPEC §6.5): JSONL export/parse, bundle verification (resolved by chain-resolver.ts),
// and rollback/fork across time (§6.7).
import { fail } from './errors.js';
import { utf8Length } from './bytes.js';
import { parseCanonical, canonicalize } from './jcs.js';
import { parseObject, type ChainEvent } from './objects.js';
import { objectHash } from './signing.js';
import { resolveTree, treeNode, type ChainResult, type TreeNode } from './chain-resolver.js';
import { verdictOf, type Verdict } from './verdict.js';
import type { SignatureResults } from './signature-results.js';
import { MAX_BUNDLE_LINE_BYTES } from './limits.js';

/**
 * The first rows of SPEC §6.6 and §7, shared by claims and logins: a forked chain is `fork`
 * (thrown), a chain that is not valid decides the verdict (returned); undefined when the chain
 * can judge the object. `ev` is the object's evidence, merged with the chain's.
 */
export function unusableChain(
  chain: ChainResult,
  ev: Record<string, unknown>,
): Verdict | undefined {
  if (chain.status === 'fork') fail('fork', 'the sigchain is forked', { ...ev, ...chain.evidence });
  if (chain.status === 'valid' && chain.state) return undefined;
  return {
    status: chain.status,
    ...(chain.code ? { code: chain.code } : {}),
    reason: `sigchain: ${chain.reason}`,
    evidence: { ...ev, ...chain.evidence },
  };
}

export function exportBundle(events: ChainEvent[]): string {
  const rows = events.map((e) => ({ seq: e.seq, hash: objectHash(e), line: canonicalize(e) }));
  rows.sort((a, b) => a.seq - b.seq || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  return rows.map((r) => `${r.line}\n`).join('');
}

export function parseBundle(text: string): ChainEvent[] {
  if (typeof text !== 'string') fail('malformed', 'bundle must be a string');
  if (text === '') return [];
  if (!text.endsWith('\n')) fail('malformed', 'every bundle line ends with LF');
  if (text.includes('\r') || text.startsWith('\ufeff'))
    fail('malformed', 'a bundle has no CR and no BOM');
  const lines = text.slice(0, -1).split('\n');
  return lines.map((line, i) => {
    if (line.length > MAX_BUNDLE_LINE_BYTES || utf8Length(line) > MAX_BUNDLE_LINE_BYTES)
      fail('too_large', `bundle line ${i + 1} is too large`);
    if (line === '') fail('malformed', `blank bundle line ${i + 1}`);
    const obj = parseObject(parseCanonical(line));
    if (obj.type !== 'event') fail('malformed', `bundle line ${i + 1} is not an event`);
    return obj;
  });
}

/**
 * SPEC §6.5. A bundle string is parsed first; an array is taken as the lines of a bundle. Lines
 * are in seq order and distinct [malformed]; the tree they form is resolved by SPEC §6.8
 * (resolveChain, which takes events in any order, is the same resolution). `opts.signatures`
 * holds signature checks made ahead for the lines by position (a worker pool, @kez/accel);
 * the result is the same with or without them.
 */
export function verifyChain(
  input: ChainEvent[] | string,
  opts: { now: number; signatures?: SignatureResults },
): ChainResult {
  const nodes: TreeNode[] = [];
  const given: ChainEvent[] = [];
  try {
    const lines = typeof input === 'string' ? parseBundle(input) : input;
    const seen = new Set<string>();
    for (const line of lines) {
      const n = treeNode(line, nodes.length);
      const last = nodes[nodes.length - 1];
      if (last && n.event.seq < last.event.seq)
        fail('malformed', 'bundle seqs must not decrease', { seq: n.event.seq });
      if (seen.has(n.hash)) fail('malformed', 'a bundle line repeats', { hash: n.hash });
      seen.add(n.hash);
      nodes.push(n);
      given.push(n.event);
    }
  } catch (err) {
    return { ...verdictOf(err), events: given, allEvents: given };
  }
  return resolveTree(nodes, opts.now, given, opts.signatures);
}

/**
 * SPEC §6.7: null when `chain` is consistent with the head seen before — it holds that event,
 * on its resolved path or on a superseded branch (the resolution is in its own evidence).
 */
export function compareHeads(
  seen: { seq: number; hash: string },
  chain: ChainResult,
): Verdict | null {
  if (chain.status === 'fork')
    return {
      status: 'fork',
      code: 'fork',
      reason: chain.reason,
      evidence: { ...chain.evidence, seen: { ...seen } },
    };
  const s = chain.state;
  if (chain.status !== 'valid' || !s) return null;
  const at = chain.allEvents.filter((e) => e.seq === seen.seq).map((e) => objectHash(e));
  if (at.includes(seen.hash)) return null;
  if (s.head.seq < seen.seq) {
    return {
      status: 'unreachable',
      code: 'rollback',
      reason: `the chain ends at seq ${s.head.seq}, before the head seen earlier (${seen.seq})`,
      evidence: { seen: { ...seen }, head: { ...s.head } },
    };
  }
  return {
    status: 'fork',
    code: 'fork',
    reason: `the event at seq ${seen.seq} differs from the one seen earlier`,
    evidence: { seq: seen.seq, hashes: [seen.hash, ...at] },
  };
}
