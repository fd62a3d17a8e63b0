// What `sigchain show` and `sigchain verify` print about a verified bundle.
import type { ChainResult, Superseded } from '@kez/core';
import type { KezCore } from './core.js';
import { fields, shortHash, statusCell, statusWord, time } from './format.js';
import type { Output } from './output.js';
import { escapeTerminal } from './terminal-text.js';

export interface ChainSummary {
  status: string;
  code: string | null;
  reason: string;
  evidence: Record<string, unknown>;
  identity: string | null;
  head: { seq: number; hash: string; created_at: number } | null;
  primary: string | null;
  next_committed: boolean;
  devices: Array<{ key: string; name: string | null; seq: number }>;
  claims: Array<{
    hash: string;
    subject: string;
    seq: number;
    status: string;
    code: string | null;
    revoked_reason?: string;
  }>;
  /** The branches fork resolution set aside (SPEC §6.8). */
  superseded: Superseded[];
  /** The number of events in the bundle. */
  events: number;
}

/** The superseded branches of a resolution's evidence (none when it has no such member). */
export function supersededOf(evidence: Record<string, unknown> | undefined): Superseded[] {
  const list = evidence?.superseded;
  return Array.isArray(list) ? (list as Superseded[]) : [];
}

/** SPEC §6.8: tools show superseded branches; each line is escaped (the hashes came from a chain). */
export function renderSuperseded(list: readonly Superseded[]): string[] {
  const t = escapeTerminal;
  return list.map(
    (s) =>
      `superseded branch at seq ${s.seq} (hash ${t(s.hash)}, head ${t(s.head)}): a key was used against its owner`,
  );
}

export function summarize(core: KezCore, chain: ChainResult, now: number): ChainSummary {
  const st = chain.state;
  const claims = st
    ? [...st.claims.entries()]
        .map(([hash, c]) => {
          const v = core.claimStatus(c.claim, chain, { now });
          const row: ChainSummary['claims'][number] = {
            hash,
            subject: c.claim.subject,
            seq: c.seq,
            status: v.status,
            code: v.code ?? null,
          };
          if (c.revoked?.reason !== undefined) row.revoked_reason = c.revoked.reason;
          return row;
        })
        .sort((a, b) => a.seq - b.seq)
    : [];
  return {
    status: chain.status,
    code: chain.code ?? null,
    reason: chain.reason,
    evidence: chain.evidence,
    identity: st?.identity ?? null,
    head: st ? { seq: st.head.seq, hash: st.head.hash, created_at: st.head.created_at } : null,
    primary: st?.primary ?? null,
    next_committed: st?.next !== undefined,
    devices: st
      ? [...st.devices.entries()].map(([key, d]) => ({ key, name: d.name ?? null, seq: d.seq }))
      : [],
    claims,
    superseded: supersededOf(chain.evidence),
    events: chain.events.length,
  };
}

export function renderSummary(out: Output, s: ChainSummary, keyNames: Map<string, string>): string {
  const t = escapeTerminal; // every string below came from the chain (or a key file)
  const named = (id: string) =>
    keyNames.has(id) ? `${t(id)}  ${out.paint('dim', `(${t(keyNames.get(id)!)})`)}` : t(id);
  const lines = [
    `${statusWord(out, s.status as never, s.code ?? undefined)}  ${t(s.reason)}`,
    ...renderSuperseded(s.superseded).map((l) => out.paint('warn', l)),
  ];
  const rows: Array<[string, string]> = [];
  if (s.identity) rows.push(['identity', t(s.identity)]);
  if (s.head) rows.push(['head', `seq ${s.head.seq}  ${s.head.hash}  ${time(s.head.created_at)}`]);
  if (s.primary) rows.push(['primary', named(s.primary)]);
  if (s.head) rows.push(['next', s.next_committed ? 'committed (pre-rotation)' : 'none']);
  rows.push(['events', String(s.events)]);
  lines.push(fields(rows));
  if (s.head) {
    lines.push(`devices (${s.devices.length})`);
    for (const d of s.devices)
      lines.push(`  ${named(d.key)}${d.name ? `  "${t(d.name)}"` : ''}  seq ${d.seq}`);
    lines.push(`claims (${s.claims.length})`);
    const width = Math.max(0, ...s.claims.map((c) => t(c.subject).length));
    for (const c of s.claims) {
      const why = c.code && c.code !== c.status ? ` ${c.code}` : '';
      const reason = c.revoked_reason ? ` "${t(c.revoked_reason)}"` : '';
      lines.push(
        `  ${statusCell(out, c.status, 8)}  ${t(c.subject).padEnd(width)}  seq ${String(c.seq).padEnd(3)} ${shortHash(c.hash)}${why}${reason}`,
      );
    }
  }
  return lines.join('\n');
}
