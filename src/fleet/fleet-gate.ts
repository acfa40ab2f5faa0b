import { COVERAGE_REQUIREMENTS, type CoverageRequirement } from '../dual/shadow/coverage.js';
import { GATE_DEFAULTS } from '../dual/promotion-gate.js';
import type { PoolMode } from '../dual/modes.js';
import type { PrometheusApi, Sample } from './prometheus-api.js';

/** The stages a fleet is promoted to, each from the modes that compare the two managers. */
export const FLEET_STAGES = { live: ['shadow', 'live'], unified: ['live', 'unified'] } as const satisfies Record<string, readonly PoolMode[]>;
export type FleetStage = keyof typeof FLEET_STAGES;

export interface FleetGateOptions {
  readonly stage: FleetStage;
  /** Label matchers naming the fleet's scrape targets, PromQL syntax without braces. Default `job="poolshift"`. */
  readonly selector?: string;
  /** The window every condition must have held over, ms. Default: the node gate's minimum duration (1 h). */
  readonly windowMs?: number;
  /** Each node's consistency over the window (agreeing comparisons over those made) must be at least this. Default: the node gate's (0.999). */
  readonly threshold?: number;
  /** Comparisons each node must have made. Default: the node gate's (1000). */
  readonly minChecks?: number;
  /** Coverage each node must have reached (the node gate's `requireCoverage`). Default none. */
  readonly requireCoverage?: Readonly<Partial<Record<CoverageRequirement, number>>>;
  /** Nodes that must be reporting; fewer is a hold (a node missing from discovery is not a pass). */
  readonly expectNodes?: number;
}

export interface FleetNode {
  readonly instance: string;
  readonly nodeId: string | undefined;
  readonly mode: string | undefined;
  /** Comparisons that agreed over those made in the window (NaN or undefined: none made). */
  readonly ratio: number | undefined;
  readonly checks: number;
  readonly unexpected: number;
  /** Why this node holds the fleet back; empty when it does not. */
  readonly holds: readonly string[];
}

export interface FleetVerdict {
  readonly open: boolean;
  readonly stage: FleetStage;
  readonly window: string;
  readonly nodes: readonly FleetNode[];
  /** Holds that are the fleet's, not one node's (too few nodes reporting). */
  readonly fleetHolds: readonly string[];
}

/** A window in PromQL's duration syntax (whole seconds). */
export function promDuration(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}

/**
 * The fleet-wide promotion rule, read from Prometheus only: every node reporting for the whole
 * window, in a mode that compares the two managers for the whole window, its consistency over the
 * window at or above the threshold, no unexpected divergence in the window, enough comparisons
 * and the coverage required. Each node that fails a condition is named with the condition.
 */
export async function evaluateFleetGate(api: PrometheusApi, options: FleetGateOptions): Promise<FleetVerdict> {
  const sel = options.selector ?? 'job="poolshift"';
  const w = promDuration(options.windowMs ?? GATE_DEFAULTS.minDurationMs);
  const threshold = options.threshold ?? GATE_DEFAULTS.threshold;
  const minChecks = options.minChecks ?? GATE_DEFAULTS.minChecks;
  const from = FLEET_STAGES[options.stage];
  const m = (metric: string, extra = ''): string => `${metric}{${[sel, extra].filter(Boolean).join(',')}}`;

  const [up, upWindow, modes, info, ratios, unexpected, checks, coverage, heldMode] = await Promise.all([
    api.query(m('up')),
    api.query(`min_over_time(${m('up')}[${w}])`),
    api.query(`${m('poolshift_mode')} == 1`),
    api.query(m('poolshift_node_info')),
    // The ratio over the window, from the outcome counters: the gauge is the ratio since the node
    // started, and one early dip (a switch's first seconds) would hold a node for hours.
    // A node that never had one outcome has no series for it: the agreeing count falls back to 0.
    api.query(
      `(sum by (instance) (increase(${m('poolshift_shadow_checks_total', 'outcome=~"matched|ignored|errored"')}[${w}])) or 0 * sum by (instance) (increase(${m('poolshift_shadow_checks_total')}[${w}])))` +
        ` / sum by (instance) (increase(${m('poolshift_shadow_checks_total', 'outcome!="sampled-out"')}[${w}]))`,
    ),
    api.query(`sum by (instance) (increase(${m('poolshift_shadow_divergences_total', 'class="unexpected"')}[${w}]))`),
    api.query(`sum by (instance) (${m('poolshift_shadow_checks_total', 'outcome!="sampled-out"')})`),
    api.query(m('poolshift_shadow_coverage')),
    api.query(`min_over_time(sum by (instance) (${m('poolshift_mode', `mode=~"${from.join('|')}"`)})[${w}:])`),
  ]);
  // Each vector by instance: its value, or (for the mode and the node id) the label that carries it.
  const value = (samples: Sample[]): Map<string, number> => new Map(samples.map((x) => [x.labels.instance ?? '', x.value]));
  const label = (samples: Sample[], name: string): Map<string, string | undefined> => new Map(samples.map((x) => [x.labels.instance ?? '', x.labels[name]]));
  const [upNow, upAll, ratio, divergence, checked, held] = [up, upWindow, ratios, unexpected, checks, heldMode].map(value) as Map<string, number>[];
  const [modeOf, idOf] = [label(modes, 'mode'), label(info, 'node_id')];
  const covered = new Map(coverage.map((x) => [`${x.labels.instance ?? ''}|${x.labels.what ?? ''}`, x.value]));
  const need = options.requireCoverage ?? {};

  const nodes: FleetNode[] = [...upNow!.keys()].sort().map((instance) => {
    const holds: string[] = [];
    const nodeMode = modeOf.get(instance);
    const r = ratio!.get(instance);
    const count = checked!.get(instance) ?? 0;
    const divergences = Math.round(divergence!.get(instance) ?? 0);
    if (upNow!.get(instance) !== 1) holds.push('not reporting (its last scrape failed)');
    else if (upAll!.get(instance) !== 1) holds.push(`missed a scrape in the last ${w}`);
    if (nodeMode === undefined) holds.push('exposes no poolshift_mode (not a poolshift node?)');
    else if (!(from as readonly string[]).includes(nodeMode)) holds.push(`in ${nodeMode}, not ${from.join(' or ')}`);
    else if ((held!.get(instance) ?? 0) < 1) holds.push(`not in ${from.join(' or ')} for the whole ${w}`);
    if (nodeMode !== 'unified') {
      if (r === undefined || Number.isNaN(r)) holds.push(`nothing compared in the last ${w}`);
      else if (r < threshold) holds.push(`consistency ${r.toFixed(4)} in the last ${w}, under ${threshold}`);
      if (count < minChecks) holds.push(`${Math.round(count)} comparisons, ${minChecks} required`);
    }
    if (divergences > 0) holds.push(`${divergences} unexpected divergence(s) in the last ${w}`);
    for (const what of COVERAGE_REQUIREMENTS) {
      const min = need[what];
      if (min === undefined) continue;
      const have = covered.get(`${instance}|${what}`) ?? 0;
      if (have < min) holds.push(`coverage ${what}: ${have}/${min}`);
    }
    return { instance, nodeId: idOf.get(instance), mode: nodeMode, ratio: r, checks: Math.round(count), unexpected: divergences, holds };
  });
  const fleetHolds: string[] = [];
  if (nodes.length === 0) fleetHolds.push(`no node found for {${sel}}`);
  if (options.expectNodes !== undefined && nodes.length < options.expectNodes) fleetHolds.push(`${nodes.length} node(s) reporting, ${options.expectNodes} expected`);
  return { open: fleetHolds.length === 0 && nodes.every((n) => n.holds.length === 0), stage: options.stage, window: w, nodes, fleetHolds };
}

/** The verdict as a person reads it: one line for the fleet, one per node holding it back. */
export function verdictText(v: FleetVerdict): string {
  const held = v.nodes.filter((n) => n.holds.length > 0);
  const lines = [v.open ? `fleet gate to ${v.stage}: open (${v.nodes.length} node(s), window ${v.window})` : `fleet gate to ${v.stage}: held (${held.length} of ${v.nodes.length} node(s) hold it back, window ${v.window})`];
  for (const h of v.fleetHolds) lines.push(`  fleet: ${h}`);
  for (const n of held) lines.push(`  ${n.nodeId ?? '?'} (${n.instance}): ${n.holds.join('; ')}`);
  return lines.join('\n');
}
