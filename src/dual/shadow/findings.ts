import type { DisconnectReason, ResourceCounts, SnapshotEntry } from '../../contract/types.js';
import { LISTENERS_PER_CONNECTION } from '../../pool/connection-listeners.js';
import type { ManagerSide } from '../modes.js';
import type { DivergenceKind, KnownDifference } from './divergence.js';
import type { EventFindings } from './event-ledger.js';
import { lapse } from './liveness-evidence.js';

/** One difference a periodic pass found, before classification. Legacy's and unified's sides as such. */
export interface Finding {
  readonly kind: DivergenceKind;
  readonly key: string;
  readonly source: string;
  readonly legacy: string;
  readonly unified: string;
  /**
   * The L-rule, where the finder knows it from evidence the key's hints do not carry; null where
   * no rule can explain it (a manager contradicting itself), whatever the key's history.
   */
  readonly known?: KnownDifference | null;
}

export type EntriesByKey = ReadonlyMap<string, SnapshotEntry>;

/** The evidence of life each manager was given, against the lastSeen each reports. */
export function livenessFindings(
  legacy: EntriesByKey,
  unified: EntriesByKey,
  frames: Iterable<{ key: string; at: number }>,
  peerSeen: ReadonlyMap<string, number>,
): { checked: number; findings: Finding[] } {
  const findings: Finding[] = [];
  let checked = 0;
  const check = (key: string, source: 'frame' | 'peerSeen', at: number): void => {
    const l = legacy.get(key);
    const u = unified.get(key);
    if (!l?.connected || !u?.connected) return;
    checked++;
    const found = lapse(key, source, at, l, u);
    if (!found) return;
    const side = (v: number | undefined): string => (v === undefined ? 'no lastSeen' : v >= at ? `lastSeen ${Math.round(v)}` : `lastSeen ${Math.round(v)} < ${source} at ${Math.round(at)}`);
    findings.push({ kind: 'liveness-mismatch', key, source: `liveness-evidence:${source}`, legacy: side(found.legacy), unified: side(found.unified) });
  };
  for (const f of frames) check(f.key, 'frame', f.at);
  for (const [key, at] of peerSeen) check(key, 'peerSeen', at);
  return { checked, findings };
}

/**
 * Reasons that say the socket died under a send or a ping: the same fact one side may learn as
 * 'closed-by-peer' first. Which one comes first is the pool's timing, not the managers' behaviour.
 */
const SOCKET_REASONS: ReadonlySet<DisconnectReason | undefined> = new Set<DisconnectReason | undefined>(['send-failed', 'timeout', 'slow']);
/** What a manager reports when it learns of the close itself: the peer's doing, or the transport's decision (its rate limit). */
const CLOSE_REASONS: ReadonlySet<DisconnectReason | undefined> = new Set<DisconnectReason | undefined>(['closed-by-peer', 'rate-exceeded']);

/** Unpaired events, different reasons, message counts apart: each an event-mismatch. */
export function eventFindings(e: EventFindings): Finding[] {
  const findings: Finding[] = [];
  for (const u of e.unpaired) {
    const what = `${u.type}${u.reason ? ` (${u.reason})` : ''}`;
    const [legacy, unified] = u.side === 'legacy' ? [what, 'no such event'] : ['no such event', what];
    findings.push({ kind: 'event-mismatch', key: u.key, source: `events:${u.type}`, legacy, unified });
  }
  for (const r of e.reasonMismatches) {
    // Either way round: a muted view learns of a dead socket from the close, or fails a send on it
    // while its close delivery waits for the writes in flight.
    if ((SOCKET_REASONS.has(r.legacy) && CLOSE_REASONS.has(r.unified)) || (SOCKET_REASONS.has(r.unified) && CLOSE_REASONS.has(r.legacy))) continue;
    findings.push({ kind: 'event-mismatch', key: r.key, source: 'events:peer:disconnected', legacy: `peer:disconnected (${r.legacy ?? '-'})`, unified: `peer:disconnected (${r.unified ?? '-'})` });
  }
  for (const m of e.messageMismatches) {
    findings.push({ kind: 'event-mismatch', key: m.key, source: 'events:message', legacy: `${m.legacy} messages`, unified: `${m.unified} messages` });
  }
  return findings;
}

/**
 * What a manager holds against the peers it holds: socket listeners, admission slots and entries
 * must follow the connected peers. Run on unified only: legacy's own leaks are L4 (a replaced
 * connection's task and listeners) and L1-L3 (entries without a connection).
 */
export function resourceFindings(side: ManagerSide, resources: ResourceCounts, entries: EntriesByKey): Finding[] {
  let connected = 0;
  for (const e of entries.values()) if (e.connected) connected++;
  const problems: string[] = [];
  if (resources.socketListeners !== connected * LISTENERS_PER_CONNECTION) {
    problems.push(`${resources.socketListeners} socket listeners for ${connected} peers (${LISTENERS_PER_CONNECTION} each)`);
  }
  if (resources.admitted !== undefined && resources.admitted !== connected) problems.push(`${resources.admitted} admission slots for ${connected} peers`);
  if (side === 'unified' && resources.entries !== connected) problems.push(`${resources.entries} entries for ${connected} connected peers`);
  if (resources.keepAlives !== undefined) {
    if (resources.keepAlives !== connected) problems.push(`${resources.keepAlives} keep-alives scheduled for ${connected} peers`);
    // One timer carries every keep-alive: peers held and no timer means nobody is pinged.
    if (connected > 0 && resources.timers === 0) problems.push(`no keep-alive timer for ${connected} peers`);
  }
  if (problems.length === 0) return [];
  const text = problems.join('; ');
  return [{ kind: 'resource-mismatch', key: `${side}-resources`, source: 'resources', legacy: side === 'legacy' ? text : 'ok', unified: side === 'unified' ? text : 'ok' }];
}

/** Entries a side's reaper owed a removal: stale past the bound by more than a reaper interval and the slack. */
export function overdueFindings(side: ManagerSide, entries: EntriesByKey, now: number, overdueAfterMs: number): Finding[] {
  const findings: Finding[] = [];
  for (const e of entries.values()) {
    if (!e.connected || e.lastSeen === undefined || now - e.lastSeen <= overdueAfterMs) continue;
    const text = `held, silent for ${Math.round(now - e.lastSeen)} ms (reaper owed a removal after ${overdueAfterMs} ms)`;
    findings.push({ kind: 'event-mismatch', key: e.key, source: 'reaper-overdue', legacy: side === 'legacy' ? text : 'ok', unified: side === 'unified' ? text : 'ok' });
  }
  return findings;
}
