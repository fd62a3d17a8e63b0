// Chain trees and fork resolution (SPEC §6.5, §6.8). Events in any order become a tree (each
// hangs under the event its prev names); every event is applied once, against its parent's
// state, by one folder per branch (states are copied only where the tree forks); at each fork
// the children's resolved paths are compared by commitment, retirement and signer.
import { fail, type Code } from './errors.js';
import { parseObject, type ChainEvent } from './objects.js';
import { objectHash, verifySignedObject } from './signing.js';
import type { ChainState, Retirement } from './chain-state.js';
import { createFolder, type ChainFolder } from './chain-folder.js';
import { vouchFor, type SignatureResults } from './signature-results.js';
import { isRecovery } from './chain-rules.js';
import { verdictOf, type Verdict } from './verdict.js';
import { MAX_EVENTS_PER_SEQ, MAX_FORKED_EVENTS } from './limits.js';

/** SPEC §6.8 evidence: a child that lost at a fork of the resolved path. */
export interface Superseded {
  seq: number;
  /** The winning child's hash. */
  winner: string;
  /** The superseded child's hash. */
  hash: string;
  /** The hash of the last event of the superseded child's resolved path. */
  head: string;
}

export interface ChainResult extends Verdict {
  /** valid: the resolved path's state, with the superseded branches' retirements added
   * (marked `superseded`); fork: the state before the unresolved fork. */
  state?: ChainState;
  /** The resolved path (for a fork, up to the fork); for an invalid chain, the events given. */
  events: ChainEvent[];
  /** Every event that applies — resolved path, superseded branches, fork children — in bundle
   * order, so exportBundle(allEvents) gives the chain back. */
  allEvents: ChainEvent[];
}

/** An event of the tree; `rank` is its place in the input, which orders failures (SPEC §6.5). */
export interface TreeNode {
  readonly event: ChainEvent;
  readonly hash: string;
  readonly rank: number;
  /** The retirements this event recorded, once applied. */
  retirements?: Retirement[];
}

/** SPEC §6.8 rule 1: which kind of rotation comes first on a path (its commitment value). */
const FirstRotate = { None: 0, Recovery: 1, Ordinary: 2 } as const;
type FirstRotate = (typeof FirstRotate)[keyof typeof FirstRotate];

/** A subtree, walked: its resolved path and what resolution needs to know about it. */
interface Walked {
  /** At the end of the resolved path (at an unresolved fork: the state before it). */
  folder: ChainFolder;
  path: TreeNode[];
  /** Every event of the subtree that applied. */
  all: TreeNode[];
  firstRotate: FirstRotate;
  /** Keys a revoke_device on the resolved path revokes. */
  revokes: Set<string>;
  superseded: Superseded[];
  /** Retirements recorded on superseded branches of this subtree. */
  retired: Retirement[];
  fork?: { seq: number; hashes: string[] };
}

const byHash = (a: TreeNode, b: TreeNode) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0);

class Tree {
  readonly #children = new Map<string, TreeNode[]>();
  readonly #reached = new Set<TreeNode>();
  #failure: { rank: number; verdict: Verdict } | undefined;

  constructor(
    readonly nodes: readonly TreeNode[],
    readonly now: number,
    readonly signatures?: SignatureResults,
  ) {
    for (const n of nodes) {
      if (n.event.seq === 0) continue;
      const key = `${n.event.seq}:${n.event.prev}`;
      const list = this.#children.get(key);
      if (list) list.push(n);
      else this.#children.set(key, [n]);
    }
    for (const list of this.#children.values()) list.sort(byHash);
  }

  get failure(): Verdict | undefined {
    return this.#failure?.verdict;
  }

  /** The first failure in input order decides (SPEC §6.5). */
  #fail(node: TreeNode, verdict: Verdict): void {
    if (this.#failure && this.#failure.rank <= node.rank) return;
    const evidence = { ...verdict.evidence, seq: node.event.seq, hash: node.hash };
    this.#failure = { rank: node.rank, verdict: { ...verdict, evidence } };
  }

  /** SPEC §6.5: an event whose prev matches no event at seq − 1 is bad_link (after its own
   * structure, signature and time, as for any event). */
  failOrphans(): void {
    for (const n of this.nodes) {
      if (this.#reached.has(n) || (this.#failure && this.#failure.rank <= n.rank)) continue;
      try {
        verifySignedObject(n.event, this.now);
        fail('bad_link', 'prev is not the hash of an event at the previous seq', {
          prev: n.event.prev,
        });
      } catch (err) {
        this.#fail(n, verdictOf(err));
      }
    }
  }

  /** Walks the subtree at `first` with `folder` (at its parent's state), resolving its forks. */
  walk(folder: ChainFolder, first: TreeNode): Walked {
    const w: Walked = {
      folder,
      path: [],
      all: [],
      firstRotate: FirstRotate.None,
      revokes: new Set(),
      superseded: [],
      retired: [],
    };
    for (let node: TreeNode | undefined = first; node; ) {
      this.#reached.add(node);
      const before = folder.state?.retirements.length ?? 0;
      try {
        folder.apply(node.event, this.now, this.signatures && vouchFor(this.signatures, node.rank));
      } catch (err) {
        this.#fail(node, verdictOf(err));
        return w;
      }
      node.retirements = folder.state!.retirements.slice(before);
      extend(w, [node]);
      w.all.push(node);
      const kids: TreeNode[] = this.#children.get(`${node.event.seq + 1}:${node.hash}`) ?? [];
      if (kids.length === 1) node = kids[0];
      else if (kids.length === 0) node = undefined;
      else {
        this.#resolveFork(w, kids);
        return w;
      }
    }
    return w;
  }

  /** SPEC §6.8 at a fork below `w`'s end: the winner continues `w`, the rest are superseded. */
  #resolveFork(w: Walked, kids: TreeNode[]): void {
    const s = w.folder.state!;
    const walked = kids.map((k) => this.walk(w.folder.branch(), k)).filter((c) => c.path.length);
    for (const c of walked) w.all.push(...c.all);
    if (walked.length === 1) {
      merge(w, walked[0]!);
      return;
    }
    const keys = walked.map((c) => resolutionKey(s, c, walked));
    const win = keys.findIndex((k, i) => keys.every((o, j) => j === i || compare(k, o) > 0));
    const seq = s.head.seq + 1;
    if (win < 0) {
      w.fork = { seq, hashes: walked.map((c) => c.path[0]!.hash) };
      return;
    }
    const winner = walked[win]!;
    for (const c of walked) {
      if (c === winner) continue;
      w.superseded.push({
        seq,
        winner: winner.path[0]!.hash,
        hash: c.path[0]!.hash,
        head: c.path[c.path.length - 1]!.hash,
      });
      for (const n of c.all)
        for (const r of n.retirements ?? []) w.retired.push({ ...r, superseded: true });
    }
    merge(w, winner);
  }
}

/** Adds `nodes` (a resolved path continuing `w`'s) to `w`'s path and its summary. */
function extend(w: Walked, nodes: readonly TreeNode[]): void {
  for (const node of nodes) {
    const event = node.event;
    w.path.push(node);
    if (event.op === 'rotate' && w.firstRotate === FirstRotate.None)
      w.firstRotate = isRecovery(event) ? FirstRotate.Recovery : FirstRotate.Ordinary;
    if (event.op === 'revoke_device') w.revokes.add(event.body.device as string);
  }
}

/** `child`'s resolved path continues `w`'s: `w` ends where `child` ends. */
function merge(w: Walked, child: Walked): void {
  extend(w, child.path);
  w.folder = child.folder;
  w.superseded.push(...child.superseded);
  w.retired.push(...child.retired);
  if (child.fork) w.fork = child.fork;
}

/** SPEC §6.8: the key a fork's child `c` is compared by, against the state `s` before it. */
function resolutionKey(s: ChainState, c: Walked, rivals: readonly Walked[]): number[] {
  const key = c.path[0]!.event.key;
  const commitment = s.next === undefined ? 0 : c.firstRotate;
  const retiredByRival = rivals.some(
    (d) =>
      d !== c && (d.revokes.has(key) || (key === s.primary && d.firstRotate !== FirstRotate.None)),
  );
  return [commitment, retiredByRival ? 0 : 1, key === s.primary ? 1 : 0];
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

const invalid = (code: Code, reason: string, evidence: Record<string, unknown>): Verdict => ({
  status: 'invalid',
  code,
  reason,
  evidence,
});

/** SPEC §6.5: the shape of the seqs (contiguous from one genesis) and the fork bounds. */
function checkSeqs(nodes: readonly TreeNode[]): Verdict | undefined {
  const count = new Map<number, number>();
  for (const n of nodes) count.set(n.event.seq, (count.get(n.event.seq) ?? 0) + 1);
  const seqs = [...count.keys()].sort((a, b) => a - b);
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] !== i)
      return invalid('malformed', `seqs must start at 0 and be contiguous (missing ${i})`, {
        seq: i,
      });
  }
  // Each genesis defines its own identity, so two at seq 0 are two chains, not a fork.
  if (count.get(0)! > 1) return invalid('malformed', 'a chain holds one genesis event', { seq: 0 });
  let forked = 0;
  for (const [seq, n] of count) {
    if (n > MAX_EVENTS_PER_SEQ)
      return invalid('too_large', `more than ${MAX_EVENTS_PER_SEQ} events at seq ${seq}`, { seq });
    if (n > 1) forked += n;
  }
  if (forked > MAX_FORKED_EVENTS)
    return invalid('too_large', `more than ${MAX_FORKED_EVENTS} events share their seq`, {
      forked,
    });
  return undefined;
}

const byPlace = (a: Retirement, b: Retirement) =>
  a.seq - b.seq || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || a.since - b.since;

/**
 * SPEC §6.5/§6.8 over distinct events, `rank`ed in input order (which orders failures only:
 * the result does not depend on it). Every event must apply; a chain that does not is invalid
 * with the first failure's code. `signatures` holds checks made ahead for the events at each
 * rank (signature-results.ts); the result is the same with or without them.
 */
export function resolveTree(
  nodes: readonly TreeNode[],
  now: number,
  given: ChainEvent[],
  signatures?: SignatureResults,
): ChainResult {
  const bad = (v: Verdict): ChainResult => ({ ...v, events: given, allEvents: given });
  if (nodes.length === 0)
    return bad({ status: 'not_found', code: 'no_chain', reason: 'empty sigchain', evidence: {} });
  const shape = checkSeqs(nodes);
  if (shape) return bad(shape);
  const tree = new Tree(nodes, now, signatures);
  const root = nodes.find((n) => n.event.seq === 0)!;
  const w = tree.walk(createFolder(), root);
  tree.failOrphans();
  if (tree.failure) return bad(tree.failure);

  const s = w.folder.state!;
  const superseded = w.superseded.sort((a, b) => a.seq - b.seq || (a.hash < b.hash ? -1 : 1));
  const seen = new Set<string>();
  for (const r of w.retired.sort(byPlace)) {
    const id = `${r.seq}|${r.key}|${r.since}|${r.code}`;
    if (!seen.has(id)) s.retirements.push(r);
    seen.add(id);
  }
  const allEvents = w.all.sort((a, b) => a.event.seq - b.event.seq || byHash(a, b));
  const result = {
    state: s,
    events: w.path.map((n) => n.event),
    allEvents: allEvents.map((n) => n.event),
  };
  if (w.fork)
    return {
      status: 'fork',
      code: 'fork',
      reason: `two or more valid events at seq ${w.fork.seq} and no rule of SPEC §6.8 picks one`,
      evidence: {
        seq: w.fork.seq,
        hashes: [...w.fork.hashes].sort(),
        identity: s.identity,
        superseded,
      },
      ...result,
    };
  return {
    status: 'valid',
    reason: `sigchain of ${s.identity} verifies up to seq ${s.head.seq}${
      superseded.length ? ` (${superseded.length} superseded branch(es))` : ''
    }`,
    evidence: { identity: s.identity, head: { ...s.head }, superseded },
    ...result,
  };
}

/** Parses one event and hashes it (its hash places it in the tree). Throws KezError. */
export function treeNode(value: unknown, rank: number): TreeNode {
  const event = parseObject(value);
  if (event.type !== 'event') fail('malformed', 'not a sigchain event');
  return { event, hash: objectHash(event), rank };
}

/**
 * SPEC §6.8 over the events of any number of sources, in any order: duplicates (by hash) are
 * one event. Every event must apply against the path from genesis to it (sources filter junk
 * first, §10), so the result is the one a bundle of the same events gets.
 */
export function resolveChain(events: readonly unknown[], opts: { now: number }): ChainResult {
  const given: ChainEvent[] = [];
  const byHashes = new Map<string, TreeNode>();
  try {
    for (const e of events) {
      const n = treeNode(e, 0);
      if (!byHashes.has(n.hash)) byHashes.set(n.hash, n);
    }
  } catch (err) {
    return { ...verdictOf(err), events: [], allEvents: [] };
  }
  // Ranked in bundle order, so the first failure is the same whatever order the sources gave.
  const nodes = [...byHashes.values()]
    .sort((a, b) => a.event.seq - b.event.seq || byHash(a, b))
    .map((n, rank) => ({ ...n, rank }));
  for (const n of nodes) given.push(n.event);
  return resolveTree(nodes, opts.now, given);
}
