import type { StageReport, TimelineEvent } from './report.js';

/** Colours the charts draw with; the browser tests look for them in the screenshots. */
export const CHART_COLORS = {
  legacy: '#d9480f',
  unified: '#1971c2',
  sent: '#7048e8',
  delivered: '#2f9e44',
  flag: '#495057',
  fault: '#e03131',
  /** One per divergence kind, in DIVERGENCE_KINDS order: a kind has the same colour in every chart. */
  kinds: ['#f08c00', '#c2255c', '#0c8599', '#5c940d', '#862e9c', '#364fc7', '#a61e4d', '#087f5b'],
} as const;

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A series as drawn: its stroke width, for the legend too. */
export interface DrawnSeries extends Series {
  readonly width: number;
}

export const CHART_WIDTH = 900;
const H = 250;
const PAD = { left: 56, right: 16, top: 34, bottom: 26 };
const THIN = 2;

export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Stroke widths, widest first: series drawn in order, each narrower than the one under it, so lines
 * that coincide (legacy and unified in shadow, sent and delivered when nothing is lost) show as a
 * narrow line edged by the wider ones, every colour visible.
 */
export function strokeWidths(n: number): number[] {
  const step = n <= 1 ? 0 : Math.min(3.5, 12 / (n - 1));
  return Array.from({ length: n }, (_, i) => THIN + step * (n - 1 - i));
}

/** A count axis: whole-number ticks (0, step, 2 step, ... top), at most five intervals, top >= max. */
export function countTicks(max: number): number[] {
  const top = Math.max(1, Math.ceil(max));
  let step = 1;
  for (let p = 1; step * 5 < top; p *= 10) {
    step = [1, 2, 5, 10].map((m) => m * p).find((s) => s * 5 >= top) ?? 10 * p;
  }
  const ticks: number[] = [];
  for (let v = 0; v < top + step; v += step) ticks.push(v);
  return ticks;
}

/** Time-axis ticks, ms: a round step giving at most about ten labels. */
function timeTicks(tMax: number): number[] {
  const step = [1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000].find((s) => tMax / s <= 10) ?? 600_000;
  const out: number[] = [];
  for (let t = 0; t <= tMax; t += step) out.push(t);
  return out;
}

/**
 * Flag and fault markers; a flag change's marker names its stage above the plot, in a second row
 * where it would run into the label before it.
 */
function markers(events: readonly TimelineEvent[], x: (t: number) => number): string {
  const out: string[] = [];
  const rowEnds = [-Infinity, -Infinity];
  for (const e of events) {
    const px = x(e.t);
    const color = e.kind === 'flag' ? CHART_COLORS.flag : CHART_COLORS.fault;
    out.push(`<line x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="${color}" class="event ${e.kind}"><title>${esc(e.label)}</title></line>`);
    if (e.kind !== 'flag' || !e.mark) continue;
    // About 6 px a character at 11 px.
    const w = e.mark.length * 6.2;
    const anchorEnd = px + 3 + w > CHART_WIDTH - PAD.right;
    const from = anchorEnd ? px - 3 - w : px + 3;
    const row = from > rowEnds[0]! + 4 ? 0 : 1;
    rowEnds[row] = from + w;
    const y = row === 0 ? PAD.top - 4 : PAD.top - 17;
    out.push(`<text x="${(anchorEnd ? px - 3 : px + 3).toFixed(1)}" y="${y}" class="stage-mark" text-anchor="${anchorEnd ? 'end' : 'start'}">${esc(e.mark)}</text>`);
  }
  return out.join('');
}

/**
 * A line chart of counts over the rehearsal's time axis, flag and fault events marked. `empty` is
 * written across the plot when there is no series. Returns the SVG and the series as drawn.
 */
export function lineChart(id: string, label: string, series: readonly Series[], events: readonly TimelineEvent[], tMax: number, empty = 'none'): { svg: string; drawn: DrawnSeries[] } {
  const iw = CHART_WIDTH - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const ticks = countTicks(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const yMax = ticks[ticks.length - 1]!;
  const x = (t: number): number => PAD.left + (t / tMax) * iw;
  const y = (v: number): number => PAD.top + ih - (v / yMax) * ih;
  const widths = strokeWidths(series.length);
  const drawn = series.map((s, i) => ({ ...s, width: widths[i]! }));
  const out: string[] = [];
  out.push(`<svg id="${id}" class="chart" viewBox="0 0 ${CHART_WIDTH} ${H}" role="img" aria-label="${esc(label)}">`);
  for (const v of ticks) {
    out.push(`<line x1="${PAD.left}" x2="${CHART_WIDTH - PAD.right}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${PAD.left - 6}" y="${y(v) + 4}" class="tick y" text-anchor="end">${v}</text>`);
  }
  for (const t of timeTicks(tMax)) out.push(`<text x="${x(t)}" y="${H - 8}" class="tick" text-anchor="middle">${t / 1000}s</text>`);
  out.push(markers(events, x));
  for (const s of drawn) {
    if (s.points.length === 0) continue;
    const pts = s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="${s.width}" stroke-linejoin="round" class="series"><title>${esc(s.name)}</title></polyline>`);
  }
  if (series.length === 0) out.push(`<text x="${PAD.left + iw / 2}" y="${PAD.top + ih / 2}" class="empty" text-anchor="middle">${esc(empty)}</text>`);
  out.push('</svg>');
  return { svg: out.join(''), drawn };
}

/** Consistency rate per stage: one bar per stage, 'no comparisons' where none were made. */
export function stageChart(stages: readonly StageReport[]): string {
  const iw = CHART_WIDTH - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom - 12;
  const bw = stages.length === 0 ? 0 : iw / stages.length;
  // The interesting range is near 100 %: the axis starts at 90 % (or lower if a stage fell below).
  const lows = stages.map((s) => s.consistencyRate).filter((r): r is number => r !== null);
  const floor = Math.min(0.9, Math.floor(Math.min(1, ...lows) * 10) / 10);
  const y = (v: number): number => PAD.top + ih - ((v - floor) / (1 - floor)) * ih;
  const out = [`<svg id="consistency" class="chart" viewBox="0 0 ${CHART_WIDTH} ${H}" role="img" aria-label="consistency per stage">`];
  for (let i = 0; i <= 4; i++) {
    const v = floor + ((1 - floor) * i) / 4;
    out.push(`<line x1="${PAD.left}" x2="${CHART_WIDTH - PAD.right}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${PAD.left - 6}" y="${y(v) + 4}" class="tick" text-anchor="end">${(v * 100).toFixed(1)}%</text>`);
  }
  stages.forEach((s, i) => {
    const x0 = PAD.left + i * bw + bw * 0.15;
    const label = s.consistencyRate === null ? 'no comparisons' : `${(s.consistencyRate * 100).toFixed(2)}% of ${s.checks}`;
    if (s.consistencyRate !== null) {
      const top = y(s.consistencyRate);
      const color = s.consistencyRate >= 0.999 ? CHART_COLORS.delivered : CHART_COLORS.fault;
      out.push(`<rect x="${x0}" y="${top}" width="${bw * 0.7}" height="${PAD.top + ih - top}" fill="${color}" class="bar"><title>${esc(`${s.mode}: ${label}`)}</title></rect>`);
    }
    out.push(`<text x="${x0 + bw * 0.35}" y="${H - 22}" class="tick" text-anchor="middle">${esc(s.mode)}</text>`);
    out.push(`<text x="${x0 + bw * 0.35}" y="${H - 8}" class="tick small" text-anchor="middle">${esc(label)}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}
