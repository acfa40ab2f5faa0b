import { DIVERGENCE_KINDS } from '../dual/shadow/divergence.js';
import { mirrorResetText, type Coverage } from '../dual/shadow/coverage.js';
import type { RehearsalResult, TimelineEvent } from './report.js';

/** Colours the charts draw with; the Chromium test looks for them in the screenshot. */
export const CHART_COLORS = {
  legacy: '#d9480f',
  unified: '#1971c2',
  sent: '#7048e8',
  delivered: '#2f9e44',
  flag: '#495057',
  fault: '#e03131',
  kinds: ['#f08c00', '#c2255c', '#0c8599', '#5c940d', '#862e9c', '#364fc7', '#a61e4d', '#087f5b'],
} as const;

interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
}

const W = 900;
const H = 260;
const PAD = { left: 56, right: 16, top: 30, bottom: 34 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** A line chart over the rehearsal's time axis, with the flag and fault events marked. */
function lineChart(id: string, title: string, series: readonly Series[], events: readonly TimelineEvent[], tMax: number): string {
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const yMax = niceMax(Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const x = (t: number): number => PAD.left + (t / tMax) * iw;
  const y = (v: number): number => PAD.top + ih - (v / yMax) * ih;
  const out: string[] = [];
  out.push(`<svg id="${id}" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`);
  out.push(`<text x="${PAD.left}" y="18" class="title">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${PAD.left - 6}" y="${y(v) + 4}" class="tick" text-anchor="end">${+v.toFixed(2)}</text>`);
  }
  const step = tMax > 120_000 ? 30_000 : tMax > 40_000 ? 10_000 : 5_000;
  for (let t = 0; t <= tMax; t += step) out.push(`<text x="${x(t)}" y="${H - 14}" class="tick" text-anchor="middle">${t / 1000}s</text>`);
  for (const e of events) {
    const color = e.kind === 'flag' ? CHART_COLORS.flag : CHART_COLORS.fault;
    out.push(`<line x1="${x(e.t)}" x2="${x(e.t)}" y1="${PAD.top}" y2="${PAD.top + ih}" stroke="${color}" class="event ${e.kind}"><title>${esc(e.label)}</title></line>`);
  }
  for (const s of series) {
    if (s.points.length === 0) continue;
    const pts = s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2.5" class="series"><title>${esc(s.name)}</title></polyline>`);
  }
  let lx = PAD.left + 430;
  for (const s of series) {
    out.push(`<rect x="${lx}" y="8" width="14" height="4" fill="${s.color}"/><text x="${lx + 18}" y="14" class="legend">${esc(s.name)}</text>`);
    lx += 30 + s.name.length * 7;
  }
  out.push('</svg>');
  return out.join('');
}

/** Consistency rate per stage: one bar per stage, 'no comparisons' where none were made. */
function stageChart(result: RehearsalResult): string {
  const stages = result.report.stages;
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const bw = stages.length === 0 ? 0 : iw / stages.length;
  // The interesting range is near 100 %: the axis starts at 90 % (or lower if a stage fell below).
  const lows = stages.map((s) => s.consistencyRate).filter((r): r is number => r !== null);
  const floor = Math.min(0.9, Math.floor(Math.min(1, ...lows) * 10) / 10);
  const y = (v: number): number => PAD.top + ih - ((v - floor) / (1 - floor)) * ih;
  const out = [`<svg id="consistency" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="consistency per stage">`];
  out.push(`<text x="${PAD.left}" y="18" class="title">Consistency per stage (shadow comparisons that agreed)</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = floor + ((1 - floor) * i) / 4;
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${PAD.left - 6}" y="${y(v) + 4}" class="tick" text-anchor="end">${(v * 100).toFixed(1)}%</text>`);
  }
  stages.forEach((s, i) => {
    const x0 = PAD.left + i * bw + bw * 0.15;
    const label = s.consistencyRate === null ? 'no comparisons' : `${(s.consistencyRate * 100).toFixed(2)}% of ${s.checks}`;
    if (s.consistencyRate !== null) {
      const top = y(s.consistencyRate);
      const color = s.consistencyRate >= 0.999 ? CHART_COLORS.delivered : CHART_COLORS.fault;
      out.push(`<rect x="${x0}" y="${top}" width="${bw * 0.7}" height="${PAD.top + ih - top}" fill="${color}" class="bar"><title>${esc(`${s.mode}: ${label}`)}</title></rect>`);
    }
    out.push(`<text x="${x0 + bw * 0.35}" y="${H - 20}" class="tick" text-anchor="middle">${esc(s.mode)}</text>`);
    out.push(`<text x="${x0 + bw * 0.35}" y="${H - 6}" class="tick small" text-anchor="middle">${esc(label)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

/** What the run never exercised, said plainly: a pass does not cover it. */
function never(c: Coverage): string {
  const missing = (['staleRemovals', 'replacements', 'events', 'livenessEvidence', 'resourceChecks'] as const).filter((k) => c[k] === 0);
  const reset = c.mirrorResets > 0 || c.writesNotCompared > 0 ? `<p id="mirror-resets">${esc(mirrorResetText(c))}.</p>` : '';
  return reset + (missing.length === 0 ? '' : `<p id="never-exercised">Never exercised: ${esc(missing.join(', '))}. This pass does not cover them.</p>`);
}

function coverageCells(c: Coverage): string[] {
  const ops = (r: Readonly<Record<string, number>>): string => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [c.staleRemovals, c.replacements, c.events, c.messageChecks, c.livenessEvidence, c.resourceChecks].map(String).concat(ops(c.reads), ops(c.writes));
}

/** The report as one HTML page: inline CSS and SVG, no script, nothing fetched. */
export function renderHtmlReport(result: RehearsalResult): string {
  const r = result.report;
  const tl = result.timeline;
  const tMax = Math.max(1000, r.durationMs);
  const peers = lineChart(
    'peers',
    'Peers held per manager (summed over the nodes)',
    [
      { name: 'legacy manager', color: CHART_COLORS.legacy, points: tl.map((p) => [p.t, p.legacyPeers]) },
      { name: 'unified manager', color: CHART_COLORS.unified, points: tl.map((p) => [p.t, p.unifiedPeers]) },
    ],
    result.events,
    tMax,
  );
  const kinds = Object.keys(r.divergences.byKind);
  const divergences = lineChart(
    'divergences',
    'Divergences by kind (cumulative)',
    kinds.map((k, i) => ({ name: k, color: CHART_COLORS.kinds[i % CHART_COLORS.kinds.length]!, points: tl.map((p) => [p.t, p.divergences[k] ?? 0]) })),
    result.events,
    tMax,
  );
  const messages = lineChart(
    'messages',
    'Block proposals: sent and delivered (cumulative)',
    [
      { name: 'sent', color: CHART_COLORS.sent, points: tl.map((p) => [p.t, p.sent]) },
      { name: 'delivered', color: CHART_COLORS.delivered, points: tl.map((p) => [p.t, p.delivered]) },
    ],
    result.events,
    tMax,
  );
  const rows = (cells: string[][]): string => cells.map((c) => `<tr>${c.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`).join('');
  const m = r.messages;
  const d = r.divergences;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>poolshift rehearsal: ${r.verdict}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#212529;background:#fff}
h1{margin:0 0 4px}.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;background:${r.verdict === 'pass' ? CHART_COLORS.delivered : CHART_COLORS.fault}}
.chart{display:block;margin:18px 0;border:1px solid #dee2e6;background:#fcfcfd}
.title{font-weight:600;font-size:14px}.tick{font-size:11px;fill:#495057}.small{font-size:10px}.legend{font-size:12px}
.grid{stroke:#e9ecef}.event{stroke-width:1.5;stroke-dasharray:4 3}.event.fault{stroke-dasharray:none;opacity:.7}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #dee2e6;padding:3px 8px}
.key span{display:inline-block;width:14px;height:3px;margin:0 4px 3px 12px;vertical-align:middle}
</style></head><body>
<h1>poolshift rehearsal <span class="verdict" id="verdict">${r.verdict}</span></h1>
<p>${r.nodes} nodes, ${(r.durationMs / 1000).toFixed(1)} s; divergences ${d.total} (${d.known} known, ${d.unexpected} unexpected);
messages ${m.sent} sent, ${m.delivered} delivered, ${m.lost} lost, ${m.duplicated} duplicated.</p>
<p class="key">time axis marks:<span style="background:${CHART_COLORS.flag}"></span>flag change<span style="background:${CHART_COLORS.fault}"></span>fault</p>
${result.reasons.length ? `<h2>Why it failed</h2><ul>${result.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
${peers}
${divergences}
${stageChart(result)}
${messages}
<h2>Events</h2><table>${rows(result.events.map((e) => [`${(e.t / 1000).toFixed(1)} s`, e.kind, e.label]))}</table>
<h2>Divergences by kind</h2><table id="divergences-by-kind"><tr><th>kind</th><th>known</th><th>unexpected</th></tr>${rows(DIVERGENCE_KINDS.map((k) => [k, String(d.byKind[k]?.known ?? 0), String(d.byKind[k]?.unexpected ?? 0)]))}</table>
<h2>Coverage</h2><p>What the nodes' shadow verification exercised and compared; a pass covers only this.</p>
<table id="coverage"><tr><th>node</th><th>stale removals</th><th>replacements</th><th>events</th><th>message counts</th><th>liveness evidence</th><th>resource checks</th><th>reads compared</th><th>writes compared</th></tr>${rows(
    [['all', r.coverage.total] as const, ...Object.entries(r.coverage.byNode)].map(([name, c]) => [name, ...coverageCells(c)]),
  )}</table>
${never(r.coverage.total)}
<h2>Faults</h2><table>${rows(r.faults.map((f) => [f.kind, f.node, `${(f.at / 1000).toFixed(1)} s`, f.detectedAfterMs === null ? 'not detected' : `detected after ${f.detectedAfterMs} ms (bound ${result.bounds[f.kind]} ms)`]))}</table>
</body></html>
`;
}
