import type { BenchReport, BenchResult, Metric } from './results.js';
import { IMPLS, type Impl } from './subjects.js';

const COLORS: Record<Impl, string> = {
  baseline: '#7f7f7f',
  legacy: '#d62728',
  unified: '#1f77b4',
  shadow: '#ff7f0e',
  live: '#2ca02c',
};

const PANEL_W = 300;
const PANEL_H = 220;
const MARGIN = { left: 56, right: 12, top: 28, bottom: 36 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceLog(v: number, up: boolean): number {
  const p = 10 ** (up ? Math.ceil(Math.log10(v)) : Math.floor(Math.log10(v)));
  return p;
}

function label(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return v >= 1 ? String(v) : v.toPrecision(1);
}

/** One panel: time per unit against peer count, both axes logarithmic, one line per implementation. */
function panel(metric: Metric, rows: BenchResult[], x0: number, y0: number): string {
  const impls = IMPLS.filter((impl) => rows.some((r) => r[impl] !== undefined));
  const ns = rows.map((r) => r.n);
  const values = rows.flatMap((r) => impls.flatMap((impl) => (r[impl] === undefined ? [] : [r[impl]!]))).filter((v) => v > 0);
  if (values.length === 0 || ns.length === 0) return '';
  const xMin = Math.min(...ns);
  const xMax = Math.max(...ns);
  const yMin = niceLog(Math.min(...values), false);
  const yMax = niceLog(Math.max(...values) * 1.0001, true);
  const w = PANEL_W - MARGIN.left - MARGIN.right;
  const h = PANEL_H - MARGIN.top - MARGIN.bottom;
  const px = (n: number): number => x0 + MARGIN.left + (xMax === xMin ? w / 2 : ((Math.log10(n) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * w);
  const py = (v: number): number => y0 + MARGIN.top + h - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin) || 1)) * h;
  const out: string[] = [];
  out.push(`<text x="${x0 + PANEL_W / 2}" y="${y0 + 16}" text-anchor="middle" font-weight="bold">${esc(metric)} (${esc(rows[0]!.unit)})</text>`);
  out.push(`<rect x="${x0 + MARGIN.left}" y="${y0 + MARGIN.top}" width="${w}" height="${h}" fill="none" stroke="#ccc"/>`);
  for (let v = yMin; v <= yMax * 1.0001; v *= 10) {
    out.push(`<line x1="${x0 + MARGIN.left}" x2="${x0 + MARGIN.left + w}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`);
    out.push(`<text x="${x0 + MARGIN.left - 4}" y="${py(v) + 4}" text-anchor="end">${label(v)}</text>`);
  }
  for (const n of ns) out.push(`<text x="${px(n)}" y="${y0 + MARGIN.top + h + 14}" text-anchor="middle">${label(n)}</text>`);
  out.push(`<text x="${x0 + MARGIN.left + w / 2}" y="${y0 + PANEL_H - 6}" text-anchor="middle">peers</text>`);
  for (const impl of impls) {
    const points = rows.flatMap((r) => (r[impl] === undefined || r[impl]! <= 0 ? [] : [[px(r.n), py(r[impl]!)] as const]));
    out.push(`<polyline fill="none" stroke="${COLORS[impl]}" stroke-width="2" points="${points.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
    for (const [a, b] of points) out.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${COLORS[impl]}"/>`);
  }
  return out.join('\n');
}

const SCALING: readonly Metric[] = ['peerSeen', 'sendToPeer', 'getConnectedPeers', 'getPeerIps', 'reaperScan'];

/** An SVG of the scaling curves: one panel per timed metric, one line per implementation. */
export function scalingChart(report: BenchReport): string {
  const metrics = SCALING.filter((m) => report.results.some((r) => r.metric === m));
  const cols = 3;
  const rowsCount = Math.ceil(metrics.length / cols);
  const width = cols * PANEL_W;
  const legendH = 30;
  const height = rowsCount * PANEL_H + legendH + 24;
  const impls = IMPLS.filter((impl) => report.results.some((r) => SCALING.includes(r.metric) && r[impl] !== undefined));
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="16" font-size="12">poolshift bench: time per operation (or per peer) against peer count, log-log; lower is better. node ${esc(report.node)}, ${esc(report.cpu)}</text>`,
  ];
  metrics.forEach((metric, i) => {
    const rows = report.results.filter((r) => r.metric === metric).sort((a, b) => a.n - b.n);
    parts.push(panel(metric, rows, (i % cols) * PANEL_W, 24 + Math.floor(i / cols) * PANEL_H));
  });
  const ly = 24 + rowsCount * PANEL_H + 14;
  impls.forEach((impl, i) => {
    const lx = 16 + i * 120;
    parts.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${COLORS[impl]}" stroke-width="3"/>`);
    parts.push(`<text x="${lx + 30}" y="${ly + 4}">${impl}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
