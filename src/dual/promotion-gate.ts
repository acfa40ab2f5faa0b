import type { Clock } from '../contract/clock.js';
import { ConfigError } from '../contract/errors.js';
import { readableDuration, wholeMs } from '../util/readable-duration.js';
import type { CheckOutcome } from './shadow/metrics.js';
import { COVERAGE_REQUIREMENTS, missingCoverage, type Coverage, type CoverageRequirement } from './shadow/coverage.js';

export interface PromotionGateOptions {
  /** Consistency rate (0..1) to hold. Default 0.999. */
  readonly threshold?: number;
  /** Comparisons made (not sampled out) since the window opened. Default 1000. */
  readonly minChecks?: number;
  /** Time the rate must have held, ms. Default 1 hour. */
  readonly minDurationMs?: number;
  /**
   * What the run must have compared since shadow began, beside its consistency: e.g.
   * `{ staleRemovals: 1, replacements: 1 }` refuses a promotion that never saw a stale removal or a
   * replacement compared. Default: nothing required.
   */
  readonly requireCoverage?: Readonly<Partial<Record<CoverageRequirement, number>>>;
}

export interface GateDecision {
  readonly allowed: boolean;
  /** Why it is refused, or what it rests on when allowed. */
  readonly reason: string;
  readonly rate: number;
  readonly checks: number;
  /** ms the rate has held at or above the threshold. */
  readonly heldMs: number;
}

/** A decision taken on a promotion (setMode shadow -> live), with when. */
export interface GateRecordedDecision extends GateDecision {
  /** Clock time of the decision, whole ms. */
  readonly at: number;
}

/**
 * Where the gate stands, for /shadow and the metrics: its progress against what it requires, its
 * answer if asked now, and the last decision it took on a promotion.
 */
export interface GateStatus {
  readonly threshold: number;
  readonly rate: number;
  readonly checks: number;
  readonly minChecks: number;
  /** Whole ms the rate has held at or above the threshold. */
  readonly heldMs: number;
  readonly minDurationMs: number;
  /** Whether shadow -> live would pass now. */
  readonly open: boolean;
  /** Why it would be refused now, or what it would rest on. */
  readonly reason: string;
  /** The last promotion decided (allowed or refused); null before any. */
  readonly lastDecision: GateRecordedDecision | null;
}

export const GATE_DEFAULTS = { threshold: 0.999, minChecks: 1000, minDurationMs: 3_600_000 } as const;

/**
 * Decides whether shadow -> live may go ahead: the consistency rate since shadow began must be at
 * or above the threshold now, over at least `minChecks` comparisons, and must have held (never
 * dipped below) for at least `minDurationMs`. A dip restarts the time held.
 */
export class PromotionGate {
  readonly threshold: number;
  readonly minChecks: number;
  readonly minDurationMs: number;
  readonly requireCoverage: Readonly<Partial<Record<CoverageRequirement, number>>>;
  readonly #clock: Clock;
  readonly #coverage: (() => Coverage) | undefined;
  /** The coverage when the window opened: what counts is what was compared since. */
  #coverageBase: Coverage | undefined;
  #agreed = 0;
  #compared = 0;
  #heldSince: number;
  #lastDecision: GateRecordedDecision | null = null;

  constructor(clock: Clock, options: PromotionGateOptions = {}, coverage?: () => Coverage) {
    this.#clock = clock;
    this.#coverage = coverage;
    this.requireCoverage = options.requireCoverage ?? {};
    for (const [name, need] of Object.entries(this.requireCoverage)) {
      if (!(COVERAGE_REQUIREMENTS as readonly string[]).includes(name)) throw new ConfigError('gate.requireCoverage', `unknown requirement ${JSON.stringify(name)}: one of ${COVERAGE_REQUIREMENTS.join(', ')}`);
      if (!(typeof need === 'number' && need >= 0)) throw new ConfigError(`gate.requireCoverage.${name}`, `must be a number >= 0, got ${String(need)}`);
    }
    if (Object.keys(this.requireCoverage).length > 0 && !coverage) throw new ConfigError('gate.requireCoverage', 'needs a coverage source (the dual-mode pool gives it one)');
    this.threshold = options.threshold ?? GATE_DEFAULTS.threshold;
    this.minChecks = options.minChecks ?? GATE_DEFAULTS.minChecks;
    this.minDurationMs = options.minDurationMs ?? GATE_DEFAULTS.minDurationMs;
    if (!(this.threshold >= 0 && this.threshold <= 1)) throw new ConfigError('gate.threshold', `must be within 0..1, got ${String(this.threshold)}`);
    if (!(this.minChecks >= 0)) throw new ConfigError('gate.minChecks', `must be >= 0, got ${String(this.minChecks)}`);
    if (!(this.minDurationMs >= 0)) throw new ConfigError('gate.minDurationMs', `must be >= 0, got ${String(this.minDurationMs)}`);
    this.#heldSince = clock.now();
    this.#coverageBase = coverage?.();
  }

  /** Opens a new window (entering shadow). */
  reset(): void {
    this.#agreed = 0;
    this.#compared = 0;
    this.#heldSince = this.#clock.now();
    this.#coverageBase = this.#coverage?.();
  }

  /** Coverage since the window opened, for the names the gate can require. */
  coveredSinceReset(): Coverage | undefined {
    const now = this.#coverage?.();
    const base = this.#coverageBase;
    if (!now || !base) return now;
    const since = { ...now };
    for (const name of COVERAGE_REQUIREMENTS) since[name] = now[name] - base[name];
    return since;
  }

  /** One comparison's outcome, as the verifier makes it. */
  record(outcome: CheckOutcome): void {
    if (outcome === 'sampled-out') return;
    this.#compared++;
    if (outcome !== 'mismatched') this.#agreed++;
    else if (this.rate < this.threshold) this.#heldSince = this.#clock.now();
  }

  get rate(): number {
    return this.#compared === 0 ? 1 : this.#agreed / this.#compared;
  }

  /** The gate's answer if asked now; nothing recorded (a status read, a retry's look). */
  evaluate(): GateDecision {
    const rate = this.rate;
    const checks = this.#compared;
    const held = this.#clock.now() - this.#heldSince;
    // Whole ms in the decision: the system clock's readings carry fractions nobody reads.
    const heldMs = wholeMs(held);
    const base = { rate, checks, heldMs };
    const pct = (x: number): string => `${(x * 100).toFixed(3)}%`;
    if (checks < this.minChecks) return { ...base, allowed: false, reason: `only ${checks} checks since shadow began, ${this.minChecks} required` };
    if (rate < this.threshold) return { ...base, allowed: false, reason: `consistency ${pct(rate)} is below the threshold of ${pct(this.threshold)}` };
    if (held < this.minDurationMs) {
      return { ...base, allowed: false, reason: `consistency has held at or above ${pct(this.threshold)} for ${readableDuration(heldMs)}, ${readableDuration(this.minDurationMs)} required` };
    }
    const covered = this.coveredSinceReset();
    const missing = covered ? missingCoverage(covered, this.requireCoverage) : [];
    if (missing.length > 0) return { ...base, allowed: false, reason: `not enough compared since shadow began: ${missing.join(', ')}` };
    return { ...base, allowed: true, reason: `consistency ${pct(rate)} over ${checks} checks, held for ${readableDuration(heldMs)}` };
  }

  /** Evaluates a promotion being made (setMode shadow -> live) and keeps the decision as the last one. */
  decide(): GateDecision {
    const decision = this.evaluate();
    this.#lastDecision = { ...decision, at: wholeMs(this.#clock.now()) };
    return decision;
  }

  get lastDecision(): GateRecordedDecision | null {
    return this.#lastDecision;
  }

  status(): GateStatus {
    const now = this.evaluate();
    return {
      threshold: this.threshold,
      rate: now.rate,
      checks: now.checks,
      minChecks: this.minChecks,
      heldMs: now.heldMs,
      minDurationMs: this.minDurationMs,
      open: now.allowed,
      reason: now.reason,
      lastDecision: this.#lastDecision,
    };
  }
}
