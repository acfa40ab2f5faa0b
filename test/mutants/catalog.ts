/**
 * The mutation suite's catalog: one realistic slip per patch in ./patches, each a bug a developer
 * could ship in the unified manager (an inverted comparison, a forgotten line, a wrong variable),
 * never one of the `--inject-fault` defects. `npm run mutants` (./run.ts) applies each in turn to
 * a scratch copy, builds it, runs the rehearsal and a soak, and reports which detector caught it;
 * test/mutants/mutants.test.ts checks that this list and the patches agree.
 *
 * To add a mutant: edit unified/ in a scratch copy, `git diff -U1 -- unified/ > NN-short-name.patch`
 * (no `index` line needed; leave import lines alone), and add its entry here.
 */

/** What each area of the manager covers; every area has at least one mutant. */
export const AREAS = {
  1: 'liveness',
  2: 'stale reaping',
  3: 'events',
  4: 'results of writes',
  5: 'reads',
  6: 'replacement',
  7: 'leaks',
  8: 'only when unified is authoritative',
} as const;

export type Area = keyof typeof AREAS;

/**
 * Who should notice: a shadow divergence kind (src/dual/shadow/divergence.ts: missing-in-shadow,
 * extra-in-shadow, liveness-mismatch, info-mismatch, error-mismatch, event-mismatch,
 * result-mismatch, resource-mismatch), or an end-to-end check: `stale-removal` (the soak's
 * silenced peers must be reaped, reason 'stale', by both managers), `leak` (the soak's leaked
 * entries/timers/listeners), `lost` / `duplicated` (the rehearsal's message ledger, the soak's
 * accounting), `fault-detection` (a rehearsal fault not seen within its bound), or `unit-test`
 * where only a test with a manual clock can see it. Plain strings, not imported from src/, so
 * that this list does not move when src/ does.
 */
export type Detector =
  | 'missing-in-shadow'
  | 'extra-in-shadow'
  | 'liveness-mismatch'
  | 'info-mismatch'
  | 'error-mismatch'
  | 'event-mismatch'
  | 'result-mismatch'
  | 'resource-mismatch'
  | 'stale-removal'
  | 'leak'
  | 'lost'
  | 'duplicated'
  | 'fault-detection'
  | 'unit-test';

export interface Mutant {
  /** The patch's file name without `.patch`: `NN-short-name`. */
  readonly id: string;
  readonly area: Area;
  /** The file the slip is in. */
  readonly file: string;
  /** The slip, in one line. */
  readonly slip: string;
  /** What it does at run time, and when it shows. */
  readonly effect: string;
  /** The detectors that should catch it. */
  readonly shouldCatch: readonly Detector[];
}

const M = 'unified/unified-peer-manager.ts';

export const MUTANTS: readonly Mutant[] = [
  {
    id: '01-peer-seen-wrong-field',
    area: 1,
    file: M,
    slip: 'peerSeen writes entry.connectedAt instead of entry.lastSeen (the neighbouring field)',
    effect: 'frames received (and pool.peerSeen) no longer refresh lastSeen; only sends and pongs do, so a peer that talks but is never sent to goes stale',
    shouldCatch: ['liveness-mismatch', 'stale-removal', 'event-mismatch'],
  },
  {
    id: '02-keepalive-seen-before-pong',
    area: 1,
    file: M,
    slip: 'the keep-alive tick sets `entry.lastSeen = now` before `await connection.ping()` instead of after it',
    effect: 'sending a ping counts as hearing from the peer: a frozen peer that answers nothing stays fresh while it is pinged, and the reaper never removes it',
    shouldCatch: ['liveness-mismatch', 'stale-removal', 'event-mismatch'],
  },
  {
    id: '03-reaper-swapped-args',
    area: 2,
    file: M,
    slip: 'reap() calls entry.isStale(now, staleAfter): the two number arguments swapped',
    effect: 'the reaper never removes anything; a stale peer stays held until its socket closes',
    shouldCatch: ['stale-removal', 'event-mismatch', 'extra-in-shadow'],
  },
  {
    id: '04-reaper-wrong-reason',
    area: 2,
    file: M,
    slip: "reap() drops a stale peer with reason 'removed' instead of 'stale'",
    effect: "peer:disconnected and the disconnect counts say 'removed'; in live the pool does not mirror the reaper's removal to legacy",
    shouldCatch: ['event-mismatch', 'stale-removal'],
  },
  {
    id: '05-reaper-stops-at-first-fresh',
    area: 2,
    file: M,
    slip: 'reap() breaks at the first fresh peer, as if the map were ordered by lastSeen (it is ordered by insertion)',
    effect: 'a stale peer behind a fresh one in the map is never reaped; only one that joined before every fresh peer is',
    shouldCatch: ['stale-removal', 'event-mismatch', 'liveness-mismatch'],
  },
  {
    id: '06-no-disconnect-on-peer-close',
    area: 3,
    file: M,
    slip: "#drop: the emit folded into the `reason !== 'closed-by-peer'` block that guards the close",
    effect: 'a peer that closes its side (or is killed) is removed silently: no peer:disconnected; visible only where unified is authoritative',
    shouldCatch: ['event-mismatch', 'fault-detection'],
  },
  {
    id: '07-peer-close-wrong-reason',
    area: 3,
    file: M,
    slip: "the connection's close listener removes with 'removed' (copied from removeConnectedPeer) instead of 'closed-by-peer'",
    effect: "peer:disconnected says 'removed' for a peer that went away by itself; counts by reason are wrong",
    shouldCatch: ['event-mismatch'],
  },
  {
    id: '08-message-guard-inverted',
    area: 3,
    file: M,
    slip: 'a new guard against late frames of removed peers is inverted: `if (entry.held) return`',
    effect: 'every message of a held peer is dropped; in live and unified mode no block proposal reaches the application',
    shouldCatch: ['event-mismatch', 'lost'],
  },
  {
    id: '09-connected-skipped-by-early-return',
    area: 3,
    file: M,
    slip: '#insert returns from inside the try block: the peer:connected emit after the finally is never reached',
    effect: 'no peer:connected for any new peer; visible only where unified is authoritative (the node never reports a peer back)',
    shouldCatch: ['event-mismatch', 'fault-detection'],
  },
  {
    id: '10-broadcast-failure-counted-sent',
    area: 4,
    file: M,
    slip: 'broadcast counts a failed send as sent: `.then(sent, sent)` (copy-paste)',
    effect: 'BroadcastResult.failed is always 0 and sent includes failures',
    shouldCatch: ['result-mismatch'],
  },
  {
    id: '11-duplicate-loser-returns-new-info',
    area: 4,
    file: M,
    slip: 'when the duplicate rule keeps the held connection, #insert returns `info` (the closed one) instead of `previous.info`',
    effect: 'a connectToPeer that loses a simultaneous dial resolves with the info of the connection just closed',
    shouldCatch: ['result-mismatch'],
  },
  {
    id: '12-pool-stats-stale-wrong-bound',
    area: 5,
    file: M,
    slip: 'getPoolStats counts stale peers against keepAliveIntervalMs instead of staleAfterMs',
    effect: 'getPoolStats().stale counts every peer not heard from within one keep-alive interval',
    shouldCatch: ['result-mismatch'],
  },
  {
    id: '13-snapshot-lastseen-wrong-field',
    area: 5,
    file: M,
    slip: 'snapshot() reports lastSeen: entry.connectedAt (the neighbouring field)',
    effect: 'snapshot lastSeen is the connect time: drifts from legacy by the connection age',
    shouldCatch: ['liveness-mismatch'],
  },
  {
    id: '14-duplicate-rule-and-for-or',
    area: 6,
    file: 'unified/duplicate-rule.ts',
    slip: 'duplicateWinner: `&&` for `||` in its "not a duplicate pair" test',
    effect: 'a reconnect in the same direction while the old connection is open counts as a duplicate: unified may keep the old connection and info and close the new one',
    shouldCatch: ['info-mismatch', 'missing-in-shadow', 'extra-in-shadow'],
  },
  {
    id: '15-replacement-keeps-old-info',
    area: 6,
    file: M,
    slip: "#insert builds the replacing entry from `previous?.info ?? info`",
    effect: 'a peer reconnecting with changed info (version, port, direction, node id) keeps its old info in unified',
    shouldCatch: ['info-mismatch'],
  },
  {
    id: '16-keepalive-not-cleared-on-drop',
    area: 7,
    file: M,
    slip: '#drop forgets `this.#keepAlive.delete(entry)`',
    effect: 'a removed peer stays in the keep-alive queue: pinged forever, its connection and entry retained, the timer never cleared',
    shouldCatch: ['resource-mismatch', 'leak'],
  },
  {
    id: '17-admission-slot-not-released',
    area: 7,
    file: M,
    slip: '#drop forgets `this.admission.removed(info.direction)`',
    effect: 'every removal leaks an admission slot: after enough churn unified refuses peers for maxPeers while holding fewer',
    shouldCatch: ['resource-mismatch', 'error-mismatch', 'missing-in-shadow'],
  },
  {
    id: '18-remove-identity-inverted',
    area: 7,
    file: M,
    slip: '#remove: `entry.connection !== connection` for `===` (inverted identity check)',
    effect: "a peer's own close leaves its entry held without an open socket; a stale connection's late close removes its replacement (L5 back)",
    shouldCatch: ['extra-in-shadow', 'missing-in-shadow', 'resource-mismatch', 'leak'],
  },
  {
    id: '19-keepalive-timer-never-armed',
    area: 8,
    file: 'unified/keep-alive-queue.ts',
    slip: 'KeepAliveQueue.add arms the timer only `if (this.#timer !== undefined)` (inverted)',
    effect: 'unified never pings: harmless while legacy owns the sockets, but in live/unified a half-open (SIGSTOP) peer is never cut (sends still succeed and refresh lastSeen)',
    shouldCatch: ['fault-detection'],
  },
  {
    id: '20-drop-close-inverted',
    area: 8,
    file: M,
    slip: "#drop closes the connection only `if (reason === 'closed-by-peer')` (inverted)",
    effect: "unified's own removals (reaper, failed send, replacement, removeConnectedPeer) leave the socket open; muted in shadow, an orphan socket in live",
    shouldCatch: ['leak', 'resource-mismatch'],
  },
];

export function mutantById(id: string): Mutant | undefined {
  return MUTANTS.find((m) => m.id === id);
}
