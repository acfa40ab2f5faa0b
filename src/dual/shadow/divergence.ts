import type { PeerInfo, SnapshotEntry } from '../../contract/types.js';
import { ERROR_CODES } from '../../contract/errors.js';

/** How the shadow (mirror) manager's answer differs from the authoritative one. */
export const DIVERGENCE_KINDS = [
  'missing-in-shadow',
  'extra-in-shadow',
  'liveness-mismatch',
  'info-mismatch',
  'error-mismatch',
  /** A peer:connected or peer:disconnected one manager emitted and the other did not, a different reason, or a different count of messages. */
  'event-mismatch',
  /** A write that succeeded on both sides returned different results (a BroadcastResult, a connect's PeerInfo). */
  'result-mismatch',
  /** A manager holds resources (listeners, admission slots, entries) its peers do not account for. */
  'resource-mismatch',
] as const;
export type DivergenceKind = (typeof DIVERGENCE_KINDS)[number];

/** The inconsistencies of the legacy manager (shared/reference/legacy-semantics.md). */
export type KnownDifference = 'L1' | 'L2' | 'L3' | 'L4' | 'L5' | 'L6' | 'L7';

/**
 * What the pool saw happen to a key, so that a rule can tell apart differences with the same
 * shape (a lastSeen entry with no peer is L1 if the peer never was, L3 if its connection died).
 */
export type KeyHint = 'closed' | 'replaced' | 'version-guard' | 'deadlock';

/** Errors compared across the two managers: by code, never by text. */
export interface ErrorShape {
  readonly code: string;
  readonly message: string;
}

export interface Divergence {
  readonly kind: DivergenceKind;
  /** The peer key, or the operation for an error mismatch with no key. */
  readonly key: string;
  /** The operation or check that found it: 'snapshot-check', 'getConnectedPeers', ... */
  readonly source: string;
  /** The L-rule that explains it, or undefined when unexpected. */
  readonly known: KnownDifference | undefined;
  readonly authoritative: string;
  readonly shadow: string;
  /** Clock time it was found (reported). */
  readonly at: number;
  /** The ratio the operation was sampled at (1 for the periodic check). */
  readonly checkRatio: number;
}

/** One key as both managers hold it, legacy and unified named as such whatever the mode. */
export interface KeyEvidence {
  readonly key: string;
  readonly legacy: SnapshotEntry | undefined;
  readonly unified: SnapshotEntry | undefined;
  readonly hints: ReadonlySet<KeyHint>;
  /**
   * A socket of the key's is closing and its close has not reached the managers yet: the one that
   * saw it fail (a ping, a send) has removed the peer, the other hears of it with the close. A
   * peer-set difference on such a key is in flight, not found.
   */
  readonly closing?: boolean;
  /**
   * The pool does not compare the key for now (a peer the authoritative legacy manager took past
   * a limit it does not keep, which the unified mirror refused): a peer-set difference on it is
   * skipped as one in flight is.
   */
  readonly notCompared?: boolean;
}

/**
 * Recognises a difference as one of L1-L7 by rule, from the two entries and the key's hints.
 * Returns undefined for a difference no rule explains: that is what shadow mode is for.
 */
export function classify(kind: DivergenceKind, e: KeyEvidence, error?: { legacy?: ErrorShape; unified?: ErrorShape }): KnownDifference | undefined {
  const { legacy: l, unified: u, hints } = e;
  // An operation on this key was lost in a legacy deadlock (its lock wait canceled, or the mirror
  // call never answered): whatever differs on the key since follows from it.
  if (hints.has('deadlock')) return 'L6';
  if (kind === 'event-mismatch' || kind === 'result-mismatch') {
    // L7: legacy ignored an inbound "unknown" over a known version (no event, a different count).
    if (hints.has('version-guard')) return 'L7';
    // L4/L5: a replaced connection's late close or keep-alive exit removed its replacement on legacy.
    if (hints.has('replaced')) return hints.has('closed') ? 'L5' : 'L4';
    return undefined;
  }
  if (kind === 'resource-mismatch') return undefined;
  if (kind === 'error-mismatch') {
    // L6: the legacy side deadlocked (a connect/add racing a remove): its lock wait was
    // canceled, or as a mirror it never answered.
    const code = error?.legacy?.code;
    if (code === ERROR_CODES.LOCK_CANCELED || code === ERROR_CODES.MIRROR_TIMEOUT) return 'L6';
    // Legacy failed a write on a connection its replaced-connection bookkeeping lost: the old
    // connection's task or late close took the replacement's entry (L4), or left it pointing at
    // a dead socket (L5). Unified, which checks identity, did not fail.
    if (error?.legacy && !error.unified && hints.has('replaced')) return hints.has('closed') ? 'L5' : 'L4';
    return undefined;
  }
  // Legacy holds the key without a connection, where unified has none or a live one.
  if (l && !l.connected && (!u || u.connected)) {
    if (!l.info && l.lastSeen !== undefined) {
      // A late close of the replaced connection removed the replacement, lastSeen left behind.
      if (u) return hints.has('replaced') ? 'L5' : undefined;
      // A lastSeen with no peer: left when a late close of a replaced connection took the
      // replacement down (L5), left by removeDeadConnection (L3), or made by peerSeen (L1).
      if (hints.has('replaced') && hints.has('closed')) return 'L5';
      return hints.has('closed') ? 'L3' : 'L1';
    }
    // The peer's info without a connection: a phantom peer.
    if (l.info) return 'L2';
  }
  // Legacy kept the known version and ignored an inbound "unknown" one; unified took it.
  if (l?.info && u?.info && l.info.version !== 'unknown' && u.info.version === 'unknown') return 'L7';
  if (l && !u && hints.has('version-guard')) return 'L7';
  if (u && !l) {
    if (hints.has('version-guard')) return 'L7';
    // The replaced connection's keep-alive task, on exit, wiped the replacement from all three maps.
    if (hints.has('replaced')) return 'L4';
  }
  // The replaced connection's keep-alive task still pings the old socket and marks the key seen.
  if (kind === 'liveness-mismatch' && hints.has('replaced')) return 'L4';
  // A simultaneous dial: two connections to the same node, one each way. Legacy overwrites with
  // whichever came last; unified keeps the one the smaller node id dialled. Only the direction differs.
  if (kind === 'info-mismatch' && hints.has('replaced') && l?.connected && u?.connected && crossedPair(l.info, u.info)) return 'L4';
  return undefined;
}

/** The same node's info but for the direction: the two connections of a simultaneous dial. */
function crossedPair(a: PeerInfo | undefined, b: PeerInfo | undefined): boolean {
  if (!a || !b || a.direction === b.direction) return false;
  return a.ip === b.ip && a.port === b.port && a.nodeId === b.nodeId && a.version === b.version;
}

/** A stable text form of a peer's info, for comparison and for the report. */
export function describeInfo(info: PeerInfo | undefined): string {
  if (!info) return '-';
  return `${info.ip}:${info.port} ${info.nodeId} v${info.version} ${info.direction}`;
}

export function describeEntry(entry: SnapshotEntry | undefined): string {
  if (!entry) return 'absent';
  const parts = [describeInfo(entry.info), entry.connected ? 'connected' : 'no-connection', entry.liveness];
  return parts.join(' ');
}

export function errorShape(err: unknown): ErrorShape {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return { code: (err as { code: string }).code, message: String((err as { message?: unknown }).message ?? err) };
  }
  return { code: err instanceof Error ? err.name : 'UNKNOWN', message: err instanceof Error ? err.message : String(err) };
}
