import { Command, Option } from 'commander';
import { ConfigError, PrometheusError } from '../contract/errors.js';
import { COVERAGE_REQUIREMENTS, type CoverageRequirement } from '../dual/shadow/coverage.js';
import { GATE_DEFAULTS } from '../dual/promotion-gate.js';
import { formatDuration, parseDuration } from '../node/duration.js';
import { FLEET_STAGES, evaluateFleetGate, verdictText, type FleetGateOptions, type FleetStage } from './fleet-gate.js';
import { PrometheusApi } from './prometheus-api.js';

interface RawGateOptions {
  readonly prometheus: string;
  readonly stage: string;
  readonly selector: string;
  readonly window: string;
  readonly threshold: string;
  readonly minChecks: string;
  readonly requireCoverage?: string;
  readonly expectNodes?: string;
  readonly json?: boolean;
}

/** Parses the command line into the gate's options; a mistake is a ConfigError naming the option. */
export function resolveGateOptions(raw: RawGateOptions): FleetGateOptions {
  if (!(raw.stage in FLEET_STAGES)) throw new ConfigError('--stage', `must be one of ${Object.keys(FLEET_STAGES).join(', ')}, got ${JSON.stringify(raw.stage)}`);
  const windowMs = parseDuration(raw.window);
  if (windowMs === undefined || windowMs < 1000) throw new ConfigError('--window', `must be a duration of 1s or more (e.g. 10m, 1h), got ${JSON.stringify(raw.window)}`);
  const threshold = Number(raw.threshold);
  if (raw.threshold.trim() === '' || !(threshold >= 0 && threshold <= 1)) throw new ConfigError('--threshold', `must be a number within 0..1, got ${JSON.stringify(raw.threshold)}`);
  const minChecks = Number(raw.minChecks);
  if (raw.minChecks.trim() === '' || !Number.isInteger(minChecks) || minChecks < 0) throw new ConfigError('--min-checks', `must be a whole number, got ${JSON.stringify(raw.minChecks)}`);
  const requireCoverage: Partial<Record<CoverageRequirement, number>> = {};
  for (const part of (raw.requireCoverage ?? '').split(',').filter((p) => p.trim() !== '')) {
    const [name, n] = part.split('=').map((x) => x.trim());
    if (!(COVERAGE_REQUIREMENTS as readonly string[]).includes(name ?? '') || !/^\d+$/.test(n ?? '')) {
      throw new ConfigError('--require-coverage', `must be name=count pairs, names among ${COVERAGE_REQUIREMENTS.join(', ')}; got ${JSON.stringify(part)}`);
    }
    requireCoverage[name as CoverageRequirement] = Number(n);
  }
  let expectNodes: number | undefined;
  if (raw.expectNodes !== undefined) {
    expectNodes = Number(raw.expectNodes);
    if (!Number.isInteger(expectNodes) || expectNodes < 1) throw new ConfigError('--expect-nodes', `must be a whole number of 1 or more, got ${JSON.stringify(raw.expectNodes)}`);
  }
  if (raw.selector.includes('{') || raw.selector.includes('}')) throw new ConfigError('--selector', `takes label matchers without braces (job="poolshift",env="staging"), got ${JSON.stringify(raw.selector)}`);
  return { stage: raw.stage as FleetStage, selector: raw.selector, windowMs, threshold, minChecks, requireCoverage, ...(expectNodes !== undefined ? { expectNodes } : {}) };
}

/** `poolshift gate`: the fleet-wide promotion rule, read from a team's Prometheus. Exits 0 (open) or 1 (held). */
export function gateCommand(): Command {
  return new Command('gate')
    .description('evaluate the fleet-wide promotion gate from Prometheus (its HTTP API only): exits 0 when every node may be promoted, 1 when some node holds the fleet back (named), 2 on a usage error')
    .requiredOption('--prometheus <url>', 'base URL of the Prometheus that scrapes the nodes\' /metrics (e.g. http://127.0.0.1:9090); POOLSHIFT_PROMETHEUS_TOKEN, if set, is sent as a bearer token')
    .addOption(new Option('--stage <stage>', 'the stage to promote to: live (from shadow) or unified (from live)').default('live'))
    .option('--selector <matchers>', 'label matchers selecting the fleet\'s scrape targets', 'job="poolshift"')
    .option('--window <duration>', 'every condition must have held over this window', formatDuration(GATE_DEFAULTS.minDurationMs))
    .option('--threshold <0..1>', 'consistency over the window (agreeing comparisons over those made) each node must reach', String(GATE_DEFAULTS.threshold))
    .option('--min-checks <n>', 'comparisons each node must have made', String(GATE_DEFAULTS.minChecks))
    .option('--require-coverage <list>', `coverage each node must have reached, e.g. staleRemovals=1,replacements=1 (names: ${COVERAGE_REQUIREMENTS.join(', ')})`)
    .option('--expect-nodes <n>', 'nodes that must be reporting (fewer holds the gate)')
    .option('--json', 'print the verdict as JSON')
    .action(async (raw: RawGateOptions) => {
      let options: FleetGateOptions;
      let api: PrometheusApi;
      try {
        options = resolveGateOptions(raw);
        api = new PrometheusApi(raw.prometheus, process.env.POOLSHIFT_PROMETHEUS_TOKEN ? { bearerToken: process.env.POOLSHIFT_PROMETHEUS_TOKEN } : {});
      } catch (err) {
        if (!(err instanceof ConfigError || err instanceof PrometheusError)) throw err;
        process.stderr.write(`poolshift gate: ${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      try {
        const verdict = await evaluateFleetGate(api, options);
        process.stdout.write(raw.json ? `${JSON.stringify(verdict, null, 2)}\n` : `${verdictText(verdict)}\n`);
        process.exitCode = verdict.open ? 0 : 1;
      } catch (err) {
        if (!(err instanceof PrometheusError)) throw err;
        // Not known to be safe is not safe: a gate that cannot read Prometheus holds.
        process.stderr.write(`poolshift gate: held: ${err.message}\n`);
        process.exitCode = 1;
      }
    });
}
