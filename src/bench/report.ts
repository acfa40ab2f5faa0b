import type { BenchReport, BenchResult } from './results.js';
import { IMPLS, type Impl } from './subjects.js';

function number(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function cell(result: BenchResult, impl: Impl): string {
  const v = result[impl];
  if (v === undefined) return '-';
  const spread = result.spread?.[impl];
  return spread === undefined ? number(v) : `${number(v)} ±${(100 * spread).toFixed(0)}%`;
}

/** How many times better `impl` is than `than` (above 1: better), whichever way the metric reads. */
function advantage(result: BenchResult, impl: Impl, than: Impl): string {
  const a = result[impl];
  const b = result[than];
  if (a === undefined || b === undefined || a === 0 || b === 0) return '-';
  const r = result.better === 'lower' ? b / a : a / b;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}x`;
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((v, c) => (c < 3 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ')).join('\n');
}

/** The columns worth printing: implementations with at least one figure. */
function present(report: BenchReport): Impl[] {
  return IMPLS.filter((impl) => report.results.some((r) => r[impl] !== undefined));
}

/** The results table as fixed-width text, then one line per target. */
export function formatReport(report: BenchReport): string {
  const impls = present(report);
  const header = ['metric', 'n', 'unit', ...impls, 'unified vs legacy', 'unified vs baseline'];
  if (impls.includes('shadow')) header.push('shadow vs legacy');
  const table = [header];
  for (const r of report.results) {
    const line = [r.metric, String(r.n), r.unit, ...impls.map((impl) => cell(r, impl)), advantage(r, 'unified', 'legacy'), advantage(r, 'unified', 'baseline')];
    if (impls.includes('shadow')) line.push(advantage(r, 'shadow', 'legacy'));
    table.push(line);
  }
  const lines = [
    `poolshift bench${report.quick ? ' --quick' : ''}: node ${report.node}, ${report.cpu} (${report.cores} cores), ${report.platform}`,
    'median ±spread (median absolute deviation); "vs" columns: how many times better (above 1: better)',
    '',
    pad(table),
    '',
    'targets:',
    ...report.targets.map((t) => `  [${t.verdict === 'met' ? 'met' : t.verdict === 'not met' ? 'NOT MET' : 'not measured'}] ${t.target}${t.measured ? `: ${t.measured}` : ''}`),
  ];
  for (const [impl, why] of Object.entries(report.skipped)) lines.push(`  (${impl} not measured: ${why})`);
  for (const note of report.notes) lines.push(`  (not measured: ${note})`);
  return lines.join('\n');
}

/** The same table as markdown, for the README. */
export function formatMarkdown(report: BenchReport): string {
  const impls = present(report);
  const header = ['metric', 'n', 'unit', ...impls, 'unified vs legacy', 'unified vs baseline'];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i < 3 ? '---' : '---:')).join(' | ')} |`];
  for (const r of report.results) {
    lines.push(`| ${[r.metric, String(r.n), r.unit, ...impls.map((impl) => cell(r, impl)), advantage(r, 'unified', 'legacy'), advantage(r, 'unified', 'baseline')].join(' | ')} |`);
  }
  lines.push('', '| target | verdict | measured |', '| --- | --- | --- |');
  for (const t of report.targets) lines.push(`| ${t.target} | ${t.verdict} | ${t.measured} |`);
  return lines.join('\n');
}

/** The JSON written by --json: the issue's shape, plus spread and the target verdicts. */
export function toJson(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
