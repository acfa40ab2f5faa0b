// The rules file a team loads into its Prometheus, checked by Prometheus's own promtool: syntax
// (`check rules`) and behaviour (`test rules`: series in, alerts and recordings out).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const RULES = fileURLToPath(new URL('../../src/fleet/poolshift.rules.yml', import.meta.url));
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
const skip = PROMTOOL === undefined ? " (skipped: promtool not installed; Debian's prometheus package has it, .ci/run installs it)" : '';
const dir = mkdtempSync(join(tmpdir(), 'poolshift-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function promtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(PROMTOOL!, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Two nodes for 20 minutes: a in shadow and clean; b live, its ratio 0.98, one unexpected divergence at 2.5 min, then not scraped after 12 min. */
function unitTest(rules: string): string {
  const s = (series: string, values: string): string => `      - series: '${series}'\n        values: '${values}'`;
  const a = 'job="poolshift",instance="a:9700"';
  const b = 'job="poolshift",instance="b:9700"';
  return `rule_files: [ ${JSON.stringify(rules)} ]
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
${[
  s(`poolshift_mode{${a},mode="shadow"}`, '1x80'),
  s(`poolshift_mode{${b},mode="live"}`, '1x80'),
  s(`poolshift_shadow_consistency_ratio{${a}}`, '1x80'),
  s(`poolshift_shadow_consistency_ratio{${b}}`, '0.98x80'),
  s(`poolshift_shadow_divergences_total{${a},kind="missing-in-shadow",class="unexpected"}`, '0x80'),
  s(`poolshift_shadow_divergences_total{${b},kind="missing-in-shadow",class="unexpected"}`, '0x10 1x69'),
  s(`poolshift_shadow_divergences_total{${a},kind="liveness-mismatch",class="known"}`, '0+1x80'),
  s(`poolshift_shadow_checks_total{${a},outcome="matched"}`, '0+100x80'),
  s(`poolshift_shadow_checks_total{${a},outcome="mismatched"}`, '0x80'),
  s(`poolshift_shadow_checks_total{${b},outcome="matched"}`, '0+98x80'),
  s(`poolshift_shadow_checks_total{${b},outcome="mismatched"}`, '0+2x80'),
  s(`poolshift_shadow_coverage{${a},what="staleRemovals"}`, '0x10 1x70'),
  s(`poolshift_shadow_coverage{${b},what="staleRemovals"}`, '0x80'),
  s(`up{${a}}`, '1x80'),
  s(`up{${b}}`, '1x48 0x31'),
].join('\n')}
    promql_expr_test:
      - expr: ALERTS{alertstate="firing"}
        eval_time: 10m
        exp_samples:
          - labels: 'ALERTS{alertname="PoolshiftUnexpectedDivergence",alertstate="firing",${b},severity="page"}'
            value: 1
          - labels: 'ALERTS{alertname="PoolshiftConsistencyLow",alertstate="firing",${b},severity="warning"}'
            value: 1
      - expr: ALERTS{alertname="PoolshiftNodeNotReporting",alertstate="firing"}
        eval_time: 15m
        exp_samples:
          - labels: 'ALERTS{alertname="PoolshiftNodeNotReporting",alertstate="firing",${b},severity="warning"}'
            value: 1
      - expr: poolshift_fleet:nodes:by_mode
        eval_time: 1m
        exp_samples:
          - labels: 'poolshift_fleet:nodes:by_mode{job="poolshift",mode="shadow"}'
            value: 1
          - labels: 'poolshift_fleet:nodes:by_mode{job="poolshift",mode="live"}'
            value: 1
      - expr: poolshift_fleet:consistency_ratio:min
        eval_time: 5m
        exp_samples:
          - labels: 'poolshift_fleet:consistency_ratio:min{job="poolshift"}'
            value: 0.98
      - expr: poolshift_node:consistency_ratio:rate5m
        eval_time: 10m
        exp_samples:
          - labels: 'poolshift_node:consistency_ratio:rate5m{${a}}'
            value: 1
          - labels: 'poolshift_node:consistency_ratio:rate5m{${b}}'
            value: 0.98
      - expr: poolshift_fleet:coverage:min
        eval_time: 5m
        exp_samples:
          - labels: 'poolshift_fleet:coverage:min{job="poolshift",what="staleRemovals"}'
            value: 0
`;
}

describe(`the Prometheus rules file${skip}`, () => {
  it.skipIf(!PROMTOOL)('passes promtool check rules', () => {
    const r = promtool(['check', 'rules', RULES]);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
    expect(r.status, r.out).toBe(0);
  });

  it.skipIf(!PROMTOOL)('fires the alerts and records the fleet series it promises (promtool test rules), and a slip in a rule fails the same test', () => {
    const test = join(dir, 'rules.test.yml');
    writeFileSync(test, unitTest(RULES));
    const good = promtool(['test', 'rules', test]);
    expect(good.status, good.out).toBe(0);
    // A realistic slip: the divergence rule counting every divergence, the known ones (L1-L7) too.
    const slipped = join(dir, 'slipped.rules.yml');
    const text = readFileSync(RULES, 'utf8');
    expect(text).toContain('class="unexpected"');
    writeFileSync(slipped, text.replaceAll('{class="unexpected"}', ''));
    const slippedTest = join(dir, 'slipped.test.yml');
    writeFileSync(slippedTest, unitTest(slipped));
    const bad = promtool(['test', 'rules', slippedTest]);
    expect(bad.status).not.toBe(0);
    expect(bad.out).toMatch(/FAILED/);
  });
});
