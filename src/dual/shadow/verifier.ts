import type { Logger } from 'pino';
import type { Clock } from '../../contract/clock.js';
import type { ManagerSide } from '../modes.js';
import { ConfigError } from '../../contract/errors.js';
import type { PoolSnapshot, SnapshotEntry } from '../../contract/types.js';
import {
  classify,
  describeEntry,
  DIVERGENCE_KINDS,
  errorShape,
  type Divergence,
  type DivergenceKind,
  type ErrorShape,
  type KeyEvidence,
  type KeyHint,
  type KnownDifference,
} from './divergence.js';
import { RingBuffer } from '../../util/ring-buffer.js';
import type { CheckOutcome, ShadowMetrics } from './metrics.js';
import { CoverageCounter } from './coverage.js';
import { DivergenceLog, type DivergenceLogOptions } from './divergence-log.js';
import type { Finding } from './findings.js';

export interface ShadowOptions {
  /** Share of per-operation reads compared on both managers, 0..1. Default 1. */
  readonly checkRatio?: number;
  /** A snapshot difference is reported once it has persisted across this many consecutive checks. Default 3. */
  readonly persistenceChecks?: number;
  /** lastSeen values this close are the same liveness. Default 5000 ms. */
  readonly livenessToleranceMs?: number;
  /** Samples kept per divergence kind (ring buffer). Default 20. */
  readonly samplesPerKind?: number;
  /** Keys whose history (hints) is remembered for classification; oldest forgotten first. Default 10 000. */
  readonly maxHintedKeys?: number;
  /**
   * How long a key's replacement or close explains a difference (L3, L4, L5) after the last such
   * event, unless the key still has two connections open. A key that reconnected once must not be
   * excused for good: a reaper that never removes it, hours later, is a bug, not L4. Default
   * 30 000 ms; the dual-mode pool derives it from the stale bound, reaper and keep-alive.
   */
  readonly hintTtlMs?: number;
  /** The sampling coin; Math.random by default. */
  readonly random?: () => number;
  /** Bounds of the distinct-divergence log and its log-line rate limit. */
  readonly log?: DivergenceLogOptions;
}

export interface ShadowVerifierDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: ShadowMetrics | undefined;
  /** Each comparison's outcome, as it is made (the promotion gate listens here). */
  readonly onOutcome?: ((outcome: CheckOutcome) => void) | undefined;
  /** Whether a key's replacement is still under way (two connections open): its hints hold then, however old. */
  readonly replacing?: ((key: string) => boolean) | undefined;
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface KindCount {
  known: number;
  unexpected: number;
}

export interface VerifierStats {
  /** matched + mismatched + ignored + errored + sampledOut. */
  readonly total: number;
  readonly matched: number;
  readonly mismatched: number;
  /** Comparisons whose differences were all known (L1-L7). */
  readonly ignored: number;
  /** Comparisons where both managers failed with the same error code. */
  readonly errored: number;
  readonly sampledOut: number;
  /** Of sampledOut: reads not compared because a mirror write was in flight. */
  readonly skippedInFlight: number;
  /** (matched + ignored + errored) / comparisons made; 1 before any. */
  readonly consistencyRate: number;
  readonly divergences: Readonly<Record<DivergenceKind, Readonly<KindCount>>>;
  readonly byRule: Readonly<Partial<Record<KnownDifference, number>>>;
  readonly snapshotChecks: number;
}

/** Turns a read's result into comparable entries: key -> fingerprint. */
export type Normalizer<T> = (value: T) => Map<string, string>;

const DEFAULTS = { checkRatio: 1, persistenceChecks: 3, livenessToleranceMs: 5000, samplesPerKind: 20, maxHintedKeys: 10_000, hintTtlMs: 30_000 } as const;

/** Hints that explain a key's differences for as long as they are remembered: a deadlocked legacy key, an ignored inbound. */
const LASTING: readonly KeyHint[] = ['deadlock', 'version-guard'];

/**
 * Compares the two managers of a dual-mode pool: per operation (sampled reads, mirrored writes'
 * errors) and periodically (full snapshots, with K-consecutive persistence). Everything it keeps
 * is bounded: counters, a ring buffer of samples per kind, one persistence counter per key
 * currently diverging, and a capped map of key hints.
 */
export class ShadowVerifier {
  readonly checkRatio: number;
  readonly persistenceChecks: number;
  readonly livenessToleranceMs: number;
  readonly hintTtlMs: number;
  readonly #deps: ShadowVerifierDeps;
  readonly #random: () => number;
  readonly #maxHinted: number;
  #matched = 0;
  #mismatched = 0;
  #ignored = 0;
  #errored = 0;
  #sampledOut = 0;
  #skippedInFlight = 0;
  #snapshotChecks = 0;
  readonly #kinds: Record<DivergenceKind, KindCount>;
  readonly #byRule: Partial<Record<KnownDifference, number>> = {};
  readonly #samples: Record<DivergenceKind, RingBuffer<Divergence>>;
  /** `${kind}|${key}` -> consecutive snapshot checks it has been seen in. */
  #persisting = new Map<string, number>();
  /**
   * The rule a persisting difference was explained by, with the two entries as they were then:
   * the same difference, unchanged, keeps its rule after the key's hints expire (legacy does not
   * get back a peer its L4 keep-alive exit wiped); one that changes shape is judged again.
   */
  #persistingRule = new Map<string, { rule: KnownDifference | undefined; shape: string }>();
  /** Per key: when each hint was first given in the key's current run of events, and the last event's time. */
  readonly #hints = new Map<string, { times: Map<KeyHint, number>; at: number }>();
  /** What the run exercised and compared (reported beside the consistency). */
  readonly coverage = new CoverageCounter();
  readonly #log: DivergenceLog;

  constructor(options: ShadowOptions, deps: ShadowVerifierDeps) {
    const ratio = options.checkRatio ?? DEFAULTS.checkRatio;
    if (!(ratio >= 0 && ratio <= 1)) throw new ConfigError('shadow.checkRatio', `must be within 0..1, got ${String(ratio)}`);
    const k = options.persistenceChecks ?? DEFAULTS.persistenceChecks;
    if (!Number.isInteger(k) || k < 1) throw new ConfigError('shadow.persistenceChecks', `must be a positive integer, got ${String(k)}`);
    this.checkRatio = ratio;
    this.persistenceChecks = k;
    this.livenessToleranceMs = options.livenessToleranceMs ?? DEFAULTS.livenessToleranceMs;
    this.hintTtlMs = options.hintTtlMs ?? DEFAULTS.hintTtlMs;
    this.#maxHinted = options.maxHintedKeys ?? DEFAULTS.maxHintedKeys;
    this.#random = options.random ?? Math.random;
    this.#deps = deps;
    this.#log = new DivergenceLog(deps.logger, options.log);
    const samples = options.samplesPerKind ?? DEFAULTS.samplesPerKind;
    this.#kinds = Object.fromEntries(DIVERGENCE_KINDS.map((k) => [k, { known: 0, unexpected: 0 }])) as Record<DivergenceKind, KindCount>;
    this.#samples = Object.fromEntries(DIVERGENCE_KINDS.map((k) => [k, new RingBuffer<Divergence>(samples)])) as Record<DivergenceKind, RingBuffer<Divergence>>;
  }

  /** Flips the sampling coin for one read; a read not compared is counted as sampled out. */
  sample(): boolean {
    if (this.checkRatio >= 1 || this.#random() < this.checkRatio) return true;
    this.#outcome('sampled-out');
    return false;
  }

  /** A read not compared because a mirror write was in flight (its answer would be noise). */
  skipInFlight(): void {
    this.#skippedInFlight++;
    this.#outcome('sampled-out');
  }

  /** Remembers what happened to a key, for the rules that need history. Bounded. */
  hint(key: string, hint: KeyHint): void {
    const now = this.#deps.clock.now();
    let entry = this.#hints.get(key);
    if (entry) {
      // Re-insert: the map's order is the recency order.
      this.#hints.delete(key);
      // A run of events that had ended: a new one begins, only the lasting hints carried over.
      if (!this.#current(key, entry, now)) entry.times = new Map([...entry.times].filter(([h]) => LASTING.includes(h)));
    } else {
      entry = { times: new Map(), at: now };
      if (this.#hints.size >= this.#maxHinted) {
        const oldest = this.#hints.keys().next().value;
        if (oldest !== undefined) this.#hints.delete(oldest);
      }
    }
    if (!entry.times.has(hint)) entry.times.set(hint, now);
    entry.at = now;
    this.#hints.set(key, entry);
  }

  /**
   * What the key's history explains now: every hint while its last event is recent or its
   * replacement is under way; after that only the lasting ones (deadlock, version guard).
   */
  hintsOf(key: string): ReadonlySet<KeyHint> {
    const entry = this.#hints.get(key);
    if (!entry) return EMPTY;
    const hints = new Set<KeyHint>();
    const current = this.#current(key, entry, this.#deps.clock.now());
    for (const h of entry.times.keys()) if (current || LASTING.includes(h)) hints.add(h);
    return hints;
  }

  /** When `hint` was first given in the key's current run of events, if it was. */
  hintSince(key: string, hint: KeyHint): number | undefined {
    const entry = this.#hints.get(key);
    if (!entry || !(LASTING.includes(hint) || this.#current(key, entry, this.#deps.clock.now()))) return undefined;
    return entry.times.get(hint);
  }

  #current(key: string, entry: { at: number }, now: number): boolean {
    return now - entry.at <= this.hintTtlMs || (this.#deps.replacing?.(key) ?? false);
  }

  /**
   * Compares one read made on both managers. `evidence` gives the two snapshot entries of a key
   * that differs, for classification; it is called only when something differs.
   */
  compareRead<T>(
    source: string,
    primary: ManagerSide,
    authoritative: Outcome<T>,
    shadow: Outcome<T>,
    normalize: Normalizer<T>,
    evidence: (key: string) => KeyEvidence,
  ): CheckOutcome {
    this.coverage.read(source);
    const errors = this.#compareErrors(source, primary, authoritative, shadow, evidence);
    if (errors) return this.#outcome(errors);
    // The same values in the same order normalize the same: no maps to build (the common case,
    // since both managers hold the very info objects the pool handed them).
    if (identical((authoritative as { value: T }).value, (shadow as { value: T }).value)) return this.#outcome('matched');
    const a = normalize((authoritative as { value: T }).value);
    const s = normalize((shadow as { value: T }).value);
    const found: Divergence[] = [];
    let inFlight = false;
    const setDifference = (kind: DivergenceKind, key: string, auth: string, shadow: string): void => {
      const ev = evidence(key);
      if (ev.closing || ev.notCompared) inFlight = true;
      else found.push(this.#divergence(kind, key, source, auth, shadow, ev));
    };
    for (const [key, fp] of a) {
      const other = s.get(key);
      if (other === undefined) setDifference('missing-in-shadow', key, fp, 'absent');
      else if (other !== fp) found.push(this.#divergence('info-mismatch', key, source, fp, other, evidence(key)));
    }
    for (const [key, fp] of s) if (!a.has(key)) setDifference('extra-in-shadow', key, 'absent', fp);
    for (const d of found) this.#report(d);
    if (found.length === 0 && inFlight) {
      this.skipInFlight();
      return 'sampled-out';
    }
    return this.#outcome(found.length === 0 ? 'matched' : found.every((d) => d.known) ? 'ignored' : 'mismatched');
  }

  /** A write mirrored after the authoritative one succeeded: only a mirror failure can differ. */
  compareWrite(source: string, key: string, primary: ManagerSide, shadow: Outcome<unknown>, evidence: (key: string) => KeyEvidence): CheckOutcome {
    this.coverage.write(source);
    if (shadow.ok) return this.#outcome('matched');
    const ok: Outcome<unknown> = { ok: true, value: undefined };
    const result = this.#compareErrors(source, primary, ok, shadow, evidence, key);
    return this.#outcome(result ?? 'matched');
  }

  /**
   * The periodic check: every key of both snapshots. A difference counts once it has been seen
   * in `persistenceChecks` consecutive checks; it is reported once, when it gets there.
   */
  checkSnapshots(legacy: PoolSnapshot, unified: PoolSnapshot, primary: ManagerSide, findings: readonly Finding[] = [], inFlight: (key: string) => boolean = () => false): CheckOutcome {
    this.#snapshotChecks++;
    const l = byKey(legacy.entries);
    const u = byKey(unified.entries);
    const now = this.#deps.clock.now();
    const next = new Map<string, number>();
    const nextRules = new Map<string, { rule: KnownDifference | undefined; shape: string }>();
    let unexpected = false;
    let known = false;
    for (const key of new Set([...l.keys(), ...u.keys()])) {
      const le = l.get(key);
      const ue = u.get(key);
      const kind = this.#snapshotKind(le, ue, primary);
      if (!kind) continue;
      // The mirror has not been told yet (a close deferred behind a stuck write, a call queued):
      // its persistence starts again once it has.
      if (inFlight(key)) continue;
      const id = `${kind}|${key}`;
      const seen = (this.#persisting.get(id) ?? 0) + 1;
      next.set(id, seen);
      if (seen < this.persistenceChecks) continue;
      const shape = `${describeEntry(le)}|${describeEntry(ue)}`;
      const before = this.#persistingRule.get(id);
      const rule = before?.rule !== undefined && before.shape === shape ? before.rule : classify(kind, { key, legacy: le, unified: ue, hints: this.hintsOf(key) });
      nextRules.set(id, { rule, shape });
      if (rule) known = true;
      else unexpected = true;
      // At every check it persists (the log counts each distinct difference once, with its
      // occurrences): one explained by a rule may change shape and be unexplained from then on.
      // Reported only when first seen, such a turn went uncounted while the consistency rate fell
      // (a rehearsal's gate refused at 99.75 % with 0 unexpected).
      const [auth, shadow] = primary === 'legacy' ? [le, ue] : [ue, le];
      this.#report({ kind, key, source: 'snapshot-check', known: rule, authoritative: describeEntry(auth), shadow: describeEntry(shadow), at: now, checkRatio: 1 });
    }
    this.#persisting = next;
    this.#persistingRule = nextRules;
    // The pass's other findings (events, liveness evidence, resources) belong to the same comparison.
    const other = this.#reportFindings(primary, findings);
    if (other === 'mismatched') unexpected = true;
    else if (other === 'ignored') known = true;
    return this.#outcome(unexpected ? 'mismatched' : known ? 'ignored' : 'matched');
  }

  /**
   * A periodic pass's findings (events, liveness evidence, resources): one comparison, classified
   * per finding by the L-rules, each distinct difference reported once.
   */
  checkFindings(primary: ManagerSide, findings: readonly Finding[]): CheckOutcome {
    return this.#outcome(this.#reportFindings(primary, findings));
  }

  #reportFindings(primary: ManagerSide, findings: readonly Finding[]): CheckOutcome {
    if (findings.length === 0) return 'matched';
    let unexpected = false;
    const now = this.#deps.clock.now();
    for (const f of findings) {
      const known = f.known === null ? undefined : (f.known ?? classify(f.kind, { key: f.key, legacy: undefined, unified: undefined, hints: this.hintsOf(f.key) }));
      if (!known) unexpected = true;
      const [authoritative, shadow] = primary === 'legacy' ? [f.legacy, f.unified] : [f.unified, f.legacy];
      this.#report({ kind: f.kind, key: f.key, source: f.source, known, authoritative, shadow, at: now, checkRatio: 1 });
    }
    return unexpected ? 'mismatched' : 'ignored';
  }

  /** Forgets the persistence counters (a mode change: the next checks start afresh). */
  resetPersistence(): void {
    this.#persisting = new Map();
    this.#persistingRule = new Map();
  }

  stats(): VerifierStats {
    const compared = this.#matched + this.#mismatched + this.#ignored + this.#errored;
    return {
      total: compared + this.#sampledOut,
      matched: this.#matched,
      mismatched: this.#mismatched,
      ignored: this.#ignored,
      errored: this.#errored,
      sampledOut: this.#sampledOut,
      skippedInFlight: this.#skippedInFlight,
      consistencyRate: this.#rate(),
      divergences: Object.fromEntries(DIVERGENCE_KINDS.map((k) => [k, { ...this.#kinds[k] }])) as Record<DivergenceKind, KindCount>,
      byRule: { ...this.#byRule },
      snapshotChecks: this.#snapshotChecks,
    };
  }

  /** The kept samples, per kind, oldest first. */
  samples(): Record<DivergenceKind, Divergence[]> {
    return Object.fromEntries(DIVERGENCE_KINDS.map((k) => [k, this.#samples[k].toArray()])) as Record<DivergenceKind, Divergence[]>;
  }

  /** What the verifier holds, to show it is bounded. */
  footprint(): { samples: number; persisting: number; hintedKeys: number } {
    let samples = 0;
    for (const k of DIVERGENCE_KINDS) samples += this.#samples[k].size;
    return { samples, persisting: this.#persisting.size, hintedKeys: this.#hints.size };
  }

  #rate(): number {
    const compared = this.#matched + this.#mismatched + this.#ignored + this.#errored;
    return compared === 0 ? 1 : (compared - this.#mismatched) / compared;
  }

  #snapshotKind(l: SnapshotEntry | undefined, u: SnapshotEntry | undefined, primary: ManagerSide): DivergenceKind | undefined {
    const [a, s] = primary === 'legacy' ? [l, u] : [u, l];
    if (a && !s) return 'missing-in-shadow';
    if (s && !a) return 'extra-in-shadow';
    if (!a || !s) return undefined;
    if (a.connected !== s.connected || describeEntryInfo(a) !== describeEntryInfo(s)) return 'info-mismatch';
    if (a.liveness !== s.liveness) return 'liveness-mismatch';
    if (a.lastSeen !== undefined && s.lastSeen !== undefined && Math.abs(a.lastSeen - s.lastSeen) > this.livenessToleranceMs) return 'liveness-mismatch';
    if ((a.lastSeen === undefined) !== (s.lastSeen === undefined)) return 'liveness-mismatch';
    return undefined;
  }

  #compareErrors<T>(
    source: string,
    primary: ManagerSide,
    authoritative: Outcome<T>,
    shadow: Outcome<T>,
    evidence: (key: string) => KeyEvidence,
    key = source,
  ): CheckOutcome | undefined {
    if (authoritative.ok && shadow.ok) return undefined;
    const a = authoritative.ok ? undefined : errorShape(authoritative.error);
    const s = shadow.ok ? undefined : errorShape(shadow.error);
    if (a && s && a.code === s.code) return 'errored';
    const errors: { legacy?: ErrorShape; unified?: ErrorShape } = primary === 'legacy' ? { legacy: a, unified: s } : { legacy: s, unified: a };
    const ev = key === source ? { key, legacy: undefined, unified: undefined, hints: EMPTY } : evidence(key);
    const rule = classify('error-mismatch', ev, errors);
    this.#report({
      kind: 'error-mismatch',
      key,
      source,
      known: rule,
      authoritative: a ? `threw ${a.code}: ${a.message}` : 'ok',
      shadow: s ? `threw ${s.code}: ${s.message}` : 'ok',
      at: this.#deps.clock.now(),
      checkRatio: source === 'snapshot-check' ? 1 : this.checkRatio,
    });
    return rule ? 'ignored' : 'mismatched';
  }

  #divergence(kind: DivergenceKind, key: string, source: string, authoritative: string, shadow: string, ev: KeyEvidence): Divergence {
    return { kind, key, source, known: classify(kind, ev), authoritative, shadow, at: this.#deps.clock.now(), checkRatio: this.checkRatio };
  }

  /** Counts a difference once, however many comparisons see it; logs it when new (rate-limited). */
  #report(d: Divergence): void {
    const fresh = this.#log.record(d);
    if (!fresh) return;
    const count = this.#kinds[d.kind];
    if (d.known) {
      count.known++;
      this.#byRule[d.known] = (this.#byRule[d.known] ?? 0) + 1;
    } else count.unexpected++;
    this.#samples[d.kind].push(fresh);
    this.#deps.metrics?.divergences.inc({ kind: d.kind, class: d.known ? 'known' : 'unexpected' });
  }

  /** The distinct-difference log's own figures: held, forgotten to stay bounded, log lines suppressed. */
  logStats(): { distinct: number; forgotten: number; suppressedLogLines: number } {
    return { distinct: this.#log.size, forgotten: this.#log.forgotten, suppressedLogLines: this.#log.suppressed };
  }

  #outcome(outcome: CheckOutcome): CheckOutcome {
    switch (outcome) {
      case 'matched':
        this.#matched++;
        break;
      case 'mismatched':
        this.#mismatched++;
        break;
      case 'ignored':
        this.#ignored++;
        break;
      case 'errored':
        this.#errored++;
        break;
      case 'sampled-out':
        this.#sampledOut++;
        break;
    }
    const metrics = this.#deps.metrics;
    if (metrics) {
      metrics.outcomes.inc({ outcome });
      if (outcome !== 'sampled-out') metrics.consistency.set(this.#rate());
    }
    this.#deps.onOutcome?.(outcome);
    return outcome;
  }
}

const EMPTY: ReadonlySet<KeyHint> = new Set();

function byKey(entries: readonly SnapshotEntry[]): Map<string, SnapshotEntry> {
  const map = new Map<string, SnapshotEntry>();
  for (const e of entries) map.set(e.key, e);
  return map;
}

function describeEntryInfo(e: SnapshotEntry): string {
  const i = e.info;
  return i ? `${i.ip}|${i.port}|${i.version}|${i.direction}|${i.nodeId}` : '-';
}

/** The same value, or arrays of the same values (by identity) in the same order. */
function identical(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
