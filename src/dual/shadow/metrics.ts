import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { POOL_MODES, type ManagerSide, type PoolMode } from '../modes.js';
import { DIVERGENCE_KINDS } from './divergence.js';
import { COVERAGE_REQUIREMENTS, type Coverage } from './coverage.js';

export type CheckOutcome = 'matched' | 'mismatched' | 'ignored' | 'errored' | 'sampled-out';

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
    for (const what of COVERAGE_REQUIREMENTS) this.coverage.set({ what }, 0);
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

  setMode(mode: PoolMode): void {
    for (const m of POOL_MODES) this.mode.set({ mode: m }, m === mode ? 1 : 0);
  }

  operation(side: ManagerSide, op: string, seconds: number, failed: boolean): void {
    this.latency.observe({ side, op }, seconds);
    if (failed) this.errors.inc({ side, op });
  }
}
