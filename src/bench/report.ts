import { formatProfile } from './profile.js';
import { TARGET_GROUPS, type BenchReport, type BenchResult, type ProfileEntry, type TargetCheck } from './results.js';
import { IMPLS, type Impl } from './subjects.js';
import { PER_OPERATION } from './targets.js';

/** The printout's width: long target lines wrap under their indent. */
const WIDTH = 120;

function number(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

const size = (n: number): string => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));
const mb = (bytes: number): string => (bytes >= 10 * 2 ** 20 ? `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MB` : `${(bytes / 2 ** 20).toFixed(1)} MB`);

/** The figure and its spread in percent ("1,517 ±10"): the header says the unit of the spread. */
function cell(result: BenchResult, impl: Impl): string {
  const v = result[impl];
  if (v === undefined) return '-';
  const spread = result.spread?.[impl];
  return spread === undefined ? number(v) : `${number(v)} ±${(100 * spread).toFixed(0)}`;
}

/** How many times its floor `impl` costs in this row (above 1: dearer than the floor). */
function ofFloor(result: BenchResult, impl: Impl, floor: 'baseline' | 'bothManagers'): string {
  const a = result[impl];
  const b = result[floor];
  if (a === undefined || b === undefined || b === 0) return '-';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}x`;
}

function pad(rows: string[][], left: number): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((v, c) => (c < left ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ').trimEnd()).join('\n');
}

/** The columns worth printing: implementations with at least one figure among these rows. */
function present(rows: readonly BenchResult[]): Impl[] {
  return IMPLS.filter((impl) => rows.some((r) => r[impl] !== undefined));
}

interface Table {
  readonly header: string[];
  readonly rows: string[][];
}

/** The per-operation figures: every implementation, both managers bare, and each one's ratio to its floor. */
function perOperationTable(results: readonly BenchResult[]): Table | undefined {
  const rows = results.filter((r) => PER_OPERATION.includes(r.metric));
  if (rows.length === 0) return undefined;
  const impls = present(rows);
  const both = rows.some((r) => r.bothManagers !== undefined);
  const dual = (['shadow', 'live'] as const).filter((impl) => impls.includes(impl));
  const header = ['metric', 'n', 'unit', ...impls, ...(both ? ['both'] : []), 'u/floor', ...(both ? dual.map((impl) => `${impl[0]}/both`) : [])];
  return {
    header,
    rows: rows.map((r) => [
      r.metric,
      size(r.n),
      r.unit,
      ...impls.map((impl) => cell(r, impl)),
      ...(both ? [r.bothManagers === undefined ? '-' : number(r.bothManagers)] : []),
      ofFloor(r, 'unified', 'baseline'),
      ...(both ? dual.map((impl) => ofFloor(r, impl, 'bothManagers')) : []),
    ]),
  };
}

/** The rest: counted figures, memory, the network figure. */
function otherTable(results: readonly BenchResult[]): Table | undefined {
  const rows = results.filter((r) => !PER_OPERATION.includes(r.metric));
  if (rows.length === 0) return undefined;
  const impls = present(rows);
  return { header: ['metric', 'n', 'unit', ...impls], rows: rows.map((r) => [r.metric, size(r.n), r.unit, ...impls.map((impl) => cell(r, impl))]) };
}

/** Wraps `text` at WIDTH, continuation lines under `indent`. */
function wrap(text: string, first: string, indent: string): string[] {
  const lines: string[] = [];
  let line = first;
  // A percent sign stays with its number.
  for (const word of text.split(/ (?!%)/)) {
    if (line.length + 1 + word.length > WIDTH && line.trim().length > 0 && line !== first) {
      lines.push(line);
      line = indent + word;
    } else line = line === first || line === indent ? line + word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

const LABEL = { met: 'met', 'not met': 'NOT MET', 'not measured': 'not measured' } as const;

const pct = (share: number): string => `${(100 * share).toFixed(0)} %`;

/** The profile's top cause of a miss, in words (one line: the markdown's cell). */
export function causeText(check: TargetCheck): string | undefined {
  const cause = check.cause;
  if (cause === undefined) return undefined;
  if ('note' in cause) return cause.note;
  if ('heap' in cause) {
    const fns = cause.heap.top.map((e) => `${e.function} ${pct(e.share)}${e.at ? ` (${e.at})` : ''}`).join(', ');
    return `${cause.impl} at ${size(cause.n)}, live memory by allocating function: ${fns}`;
  }
  return `${cause.impl} ${cause.metric} at ${size(cause.n)}, ${cause.profile.ms.toFixed(0)} ms profiled: ${formatProfile(cause.profile)}`;
}

/**
 * A profile entry's place: native code (a builtin such as Date.now) has none; the bench's own files
 * are marked, since their frames stand for the harness (the timed loop, the stand-in connection).
 */
function whereText(at: string): string {
  if (at === '') return '(native)';
  return /(^|\/)src\/bench\//.test(at) ? `${at} (bench harness)` : at;
}

/** Under a miss: the profile's heaviest functions one a line (share, name, file:line), or the note. */
function causeLines(check: TargetCheck): string[] {
  const cause = check.cause;
  const label = `${' '.repeat(19)}cause: `;
  if (cause === undefined) return [];
  if ('note' in cause) return wrap(cause.note, label, ' '.repeat(26));
  const entry = (e: ProfileEntry): string => `${' '.repeat(26)}${pct(e.share).padStart(4)}  ${e.function}  ${whereText(e.at)}`.slice(0, WIDTH);
  if ('heap' in cause) {
    return [`${label}${cause.impl} at ${size(cause.n)}, its live memory (${mb(cause.heap.bytes)} sampled) by allocating function:`, ...cause.heap.top.map(entry)];
  }
  const p = cause.profile;
  const head = `${label}${cause.impl} ${cause.metric} at ${size(cause.n)}, ${p.ms.toFixed(0)} ms profiled, GC ${pct(p.gc)}${p.top.length > 0 ? ':' : ': no function sampled'}`;
  return [head, ...p.top.map(entry)];
}

/** The target lines, grouped, each miss followed by its floor and its profile's top cause. */
function targetLines(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const group of TARGET_GROUPS) {
    const checks = report.targets.filter((t) => t.group === group);
    if (checks.length === 0) continue;
    lines.push(`  ${group}`);
    for (const t of checks) {
      const label = `[${LABEL[t.verdict]}]`.padEnd(15);
      lines.push(...wrap(`${t.target}${t.measured ? `: ${t.measured}` : ''}`, `    ${label}`, ' '.repeat(19)));
      if (t.floor) lines.push(...wrap(t.floor, `${' '.repeat(19)}floor: `, ' '.repeat(26)));
      lines.push(...causeLines(t));
    }
  }
  return lines;
}

function runLine(report: BenchReport): string {
  return (
    `run: ${(report.wallMs / 1000).toFixed(0)} s; peak V8 heap used ${mb(report.peakHeapBytes)} of its ${mb(report.heapLimitBytes)} limit ` +
    `(in ${report.peakHeapPhase}), live at most ${mb(report.peakLiveHeapBytes)}; peak RSS ${mb(report.peakRssBytes)}`
  );
}

/** The results as fixed-width text (per-operation figures, then the rest), then the targets by group. */
export function formatReport(report: BenchReport): string {
  const perOp = perOperationTable(report.results);
  const other = otherTable(report.results);
  const met = report.targets.filter((t) => t.verdict === 'met').length;
  const missed = report.targets.filter((t) => t.verdict === 'not met').length;
  const lines = [
    `poolshift bench${report.quick ? ' --quick' : ''}: node ${report.node}, ${report.cpu} (${report.cores} cores), ${report.platform}`,
    ...wrap(runLine(report), '', '     '),
    '',
  ];
  if (perOp) {
    lines.push(
      'per operation: median ±spread in % (median absolute deviation). both: two bare managers, legacy\'s call then unified\'s.',
      'u/floor: unified over the bare map (baseline); s/both, l/both: shadow, live over both (above 1: dearer than the floor).',
      '',
      pad([perOp.header, ...perOp.rows], 3),
      '',
    );
  }
  if (other) lines.push(pad([other.header, ...other.rows], 3), '');
  lines.push(`targets (issue 18, ratios in this run): ${met} met, ${missed} not met, ${report.targets.length - met - missed} not measured`, ...targetLines(report));
  for (const [impl, why] of Object.entries(report.skipped)) lines.push(...wrap(`(${impl} not measured: ${why})`, '  ', '   '));
  for (const note of report.notes) lines.push(...wrap(`(not measured: ${note})`, '  ', '   '));
  return lines.join('\n');
}

const md = (text: string): string => text.replaceAll('|', '\\|');

/** The same tables and the targets as markdown, for the README. */
export function formatMarkdown(report: BenchReport): string {
  const lines: string[] = [runLine(report), ''];
  for (const table of [perOperationTable(report.results), otherTable(report.results)]) {
    if (!table) continue;
    lines.push(`| ${table.header.join(' | ')} |`, `| ${table.header.map((_, i) => (i < 3 ? '---' : '---:')).join(' | ')} |`);
    for (const r of table.rows) lines.push(`| ${r.map(md).join(' | ')} |`);
    lines.push('');
  }
  lines.push('| group | target | verdict | measured | floor (on a miss) | profile\'s top cause (on a miss) |', '| --- | --- | --- | --- | --- | --- |');
  for (const group of TARGET_GROUPS) {
    for (const t of report.targets.filter((c) => c.group === group)) {
      lines.push(`| ${[group, t.target, t.verdict, t.measured, t.floor ?? '', causeText(t) ?? ''].map(md).join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** The JSON written by --json: the issue's shape, plus spread, the target verdicts and the run's cost. */
export function toJson(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
