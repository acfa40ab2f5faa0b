import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { POOL_MODES, type ManagerSide, type PoolMode } from '../modes.js';
import { DIVERGENCE_KINDS } from './divergence.js';
import { COVERAGE_REQUIREMENTS, type Coverage } from './coverage.js';
import type { GateStatus } from '../promotion-gate.js';

export const CHECK_OUTCOMES = ['matched', 'mismatched', 'ignored', 'errored', 'sampled-out'] as const;
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];

/**
 * The dual-mode pool's Prometheus metrics, registered on the Registry handed in (never the
 * default one), so a node exposes them with `registry.metrics()` next to its own.
 */
export class ShadowMetrics {
  readonly mode: Gauge<'mode'>;
  readonly consistency: Gauge;
  readonly divergences: Counter<'kind' | 'class'>;
  readonly outcomes: Counter<'outcome'>;
  readonly latency: Histogram<'side' | 'op'>;
  readonly errors: Counter<'side' | 'op'>;
  readonly mirrorFailures: Counter<'op'>;
  /** What the run compared (the report's coverage section), so an alert or a gate can read it. */
  readonly coverage: Gauge<'what'>;
  readonly compared: Gauge<'kind' | 'op'>;
  /** The promotion gate's progress and last decision, read from the gate at each scrape (watchGate). */
  readonly gate: {
    readonly checks: Gauge;
    readonly minChecks: Gauge;
    readonly heldSeconds: Gauge;
    readonly minDurationSeconds: Gauge;
    readonly open: Gauge;
    readonly lastDecision: Gauge;
    readonly lastDecisionTime: Gauge;
    readonly waiting: Gauge;
  };
  #gateStatus: (() => GateStatus) | undefined;

  constructor(registry: Registry, prefix = 'poolshift_') {
    const registers = [registry];
    this.mode = new Gauge({ name: `${prefix}mode`, help: '1 for the current mode of the dual-mode pool, 0 for the others', labelNames: ['mode'], registers });
    this.consistency = new Gauge({ name: `${prefix}shadow_consistency_ratio`, help: 'Comparisons that agreed (matched, known difference, same error) over comparisons made, 0..1', registers });
    this.divergences = new Counter({
      name: `${prefix}shadow_divergences_total`,
      help: 'Divergences reported between the two managers, by kind and by class (known: one of L1-L7; unexpected)',
      labelNames: ['kind', 'class'],
      registers,
    });
    this.outcomes = new Counter({ name: `${prefix}shadow_checks_total`, help: 'Shadow comparisons by outcome', labelNames: ['outcome'], registers });
    this.latency = new Histogram({
      name: `${prefix}manager_operation_seconds`,
      help: 'Time each manager took per operation, by side (legacy, unified)',
      labelNames: ['side', 'op'],
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.errors = new Counter({ name: `${prefix}manager_errors_total`, help: 'Operations that failed, by side and operation', labelNames: ['side', 'op'], registers });
    this.mirrorFailures = new Counter({ name: `${prefix}mirror_failures_total`, help: 'Mirror writes that failed (recorded, never thrown)', labelNames: ['op'], registers });
    this.coverage = new Gauge({
      name: `${prefix}shadow_coverage`,
      help: 'What shadow verification compared since the pool started: events, messageChecks, livenessEvidence, staleRemovals, replacements, resourceChecks; and mirrorResets, writesNotCompared (a deadlocked legacy mirror, L6)',
      labelNames: ['what'],
      registers,
    });
    this.compared = new Gauge({ name: `${prefix}shadow_compared`, help: 'Comparisons made since the pool started, per read and per write operation', labelNames: ['kind', 'op'], registers });
    // No comparison yet is no ratio, not 0 %: the series stays absent until the verifier's first
    // comparison sets it, so an alert on a low ratio cannot fire on a node in legacy (where nothing
    // is compared), and `poolshift_shadow_checks_total` says how many there were.
    this.consistency.remove();
    this.gate = {
      checks: this.#gateGauge(registry, `${prefix}gate_checks`, 'Comparisons the promotion gate counts since shadow began', (s) => s.checks),
      minChecks: this.#gateGauge(registry, `${prefix}gate_min_checks`, 'Comparisons the promotion gate requires', (s) => s.minChecks),
      heldSeconds: this.#gateGauge(registry, `${prefix}gate_held_seconds`, 'Time the consistency rate has held at or above the gate threshold', (s) => s.heldMs / 1000),
      minDurationSeconds: this.#gateGauge(registry, `${prefix}gate_min_duration_seconds`, 'Time the promotion gate requires the rate to have held', (s) => s.minDurationMs / 1000),
      open: this.#gateGauge(registry, `${prefix}gate_open`, '1 when shadow -> live would pass the promotion gate now, else 0', (s) => (s.open ? 1 : 0)),
      lastDecision: this.#gateGauge(registry, `${prefix}gate_last_decision`, 'The last promotion the gate decided: 1 allowed, 0 refused; absent before any', (s) =>
        s.lastDecision ? (s.lastDecision.allowed ? 1 : 0) : undefined,
      ),
      lastDecisionTime: this.#gateGauge(registry, `${prefix}gate_last_decision_timestamp_seconds`, 'When the gate last decided a promotion (clock seconds); absent before any', (s) =>
        s.lastDecision ? s.lastDecision.at / 1000 : undefined,
      ),
      waiting: new Gauge({ name: `${prefix}gate_waiting`, help: '1 while the mode flag asks for a promotion the gate refused (re-evaluated until it opens), else 0', registers }),
    };
    this.gate.waiting.set(0);
    for (const what of COVERAGE_REQUIREMENTS) this.coverage.set({ what }, 0);
    // From the start, at 0: Prometheus's increase() sees nothing of a series first scraped after its first burst.
    for (const outcome of CHECK_OUTCOMES) this.outcomes.inc({ outcome }, 0);
    for (const kind of DIVERGENCE_KINDS) {
      this.divergences.inc({ kind, class: 'known' }, 0);
      this.divergences.inc({ kind, class: 'unexpected' }, 0);
    }
  }

  /** Sets the coverage gauges from the verifier's tally (each periodic pass). */
  setCoverage(c: Coverage): void {
    for (const what of COVERAGE_REQUIREMENTS) this.coverage.set({ what }, c[what]);
    this.coverage.set({ what: 'mirrorResets' }, c.mirrorResets);
    this.coverage.set({ what: 'writesNotCompared' }, c.writesNotCompared);
    for (const [op, n] of Object.entries(c.reads)) this.compared.set({ kind: 'read', op }, n);
    for (const [op, n] of Object.entries(c.writes)) this.compared.set({ kind: 'write', op }, n);
  }

  /** A gauge read from the gate at each scrape (the time held moves between checks); absent while `read` gives nothing. */
  #gateGauge(registry: Registry, name: string, help: string, read: (s: GateStatus) => number | undefined): Gauge {
    const gauge: Gauge = new Gauge({
      name,
      help,
      registers: [registry],
      collect: (): void => {
        const status = this.#gateStatus?.();
        const value = status ? read(status) : undefined;
        if (value === undefined) gauge.remove();
        else gauge.set(value);
      },
    });
    return gauge;
  }

  /** Where the gate gauges read from (the pool's gate, made after the metrics). */
  watchGate(status: () => GateStatus): void {
    this.#gateStatus = status;
  }

  setMode(mode: PoolMode): void {
    for (const m of POOL_MODES) this.mode.set({ mode: m }, m === mode ? 1 : 0);
  }

  operation(side: ManagerSide, op: string, seconds: number, failed: boolean): void {
    this.latency.observe({ side, op }, seconds);
    if (failed) this.errors.inc({ side, op });
  }
}
