import type { RolloutResult } from './rollout.js';

/** One colour per mode, the same in every roll-out report. */
export const MODE_COLORS: Readonly<Record<string, string>> = { legacy: '#9e9e9e', shadow: '#1f77b4', live: '#ff7f0e', unified: '#2ca02c' };

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/**
 * The roll-out as one page: a lane per node (its mode over time, a colour per mode), the stages
 * as labelled lines across the lanes, and each fleet-gate decision as a mark (green open, red
 * held, its reasons in the tooltip and in the table below).
 */
export function renderRolloutHtml(r: RolloutResult): string {
  const names = Object.keys(r.lanes);
  const width = 1000;
  const left = 60;
  const laneH = 22;
  const top = 70;
  const span = Math.max(1, r.durationMs);
  const x = (at: number): number => left + ((width - left - 10) * at) / span;
  const height = top + names.length * laneH + 40;
  const parts: string[] = [];
  names.forEach((name, i) => {
    const y = top + i * laneH;
    parts.push(`<text x="4" y="${y + 15}" font-size="12">${esc(name)}</text>`);
    const lane = r.lanes[name]!;
    lane.forEach((s, j) => {
      const end = lane[j + 1]?.at ?? r.durationMs;
      parts.push(`<rect class="mode-${esc(s.mode)}" x="${x(s.at).toFixed(1)}" y="${y + 2}" width="${Math.max(1, x(end) - x(s.at)).toFixed(1)}" height="${laneH - 4}" fill="${MODE_COLORS[s.mode] ?? '#000'}"><title>${esc(name)}: ${esc(s.mode)} from ${(s.at / 1000).toFixed(1)} s</title></rect>`);
    });
  });
  const bottom = top + names.length * laneH;
  for (const s of r.stages) {
    parts.push(`<line x1="${x(s.at).toFixed(1)}" y1="${top - 6}" x2="${x(s.at).toFixed(1)}" y2="${bottom}" stroke="#333" stroke-dasharray="3,3"/>`);
    parts.push(`<text class="stage" x="${(x(s.at) + 2).toFixed(1)}" y="${top - 10}" font-size="10" transform="rotate(-20 ${x(s.at).toFixed(1)} ${top - 10})">${esc(s.name)}</text>`);
  }
  if (r.rollback) {
    // The bad build's start on the canary's lane: what the gate had to catch.
    const cx = x(r.rollback.plantedAt);
    parts.push(`<path class="bad-build" d="M ${cx.toFixed(1)} ${top + 1} l -6 -10 h 12 z" fill="#d62728"><title>${esc(`bad build started (fault ${r.rollback.fault})`)}</title></path>`);
  }
  for (const g of r.gate) {
    parts.push(`<circle class="gate-${g.open ? 'open' : 'held'}" cx="${x(g.at).toFixed(1)}" cy="${bottom + 12}" r="6" fill="${g.open ? '#2ca02c' : '#d62728'}"><title>${esc(`before ${g.before}: ${g.open ? 'open' : `held by ${g.heldBy.join(' | ')}`}`)}</title></circle>`);
  }
  const legend = Object.entries(MODE_COLORS)
    .map(([m, c]) => `<span style="display:inline-block;width:12px;height:12px;background:${c}"></span> ${m}`)
    .join(' &nbsp; ');
  const rows = r.gate.map((g) => `<tr><td>${(g.at / 1000).toFixed(1)} s</td><td>${esc(g.before)}</td><td>${g.open ? 'open' : 'held'}</td><td>${esc(g.heldBy.join(' | '))}</td></tr>`).join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>poolshift roll-out: ${r.verdict}</title>
<style>body{font-family:sans-serif;margin:16px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px;text-align:left}</style></head>
<body>
<h1>Roll-out: ${r.verdict}</h1>
<p>${names.length} nodes, ${(r.durationMs / 1000).toFixed(0)} s; the flag from one flagd definition, the fleet gate read from Prometheus.${r.reasons.length > 0 ? ` Failed: ${esc(r.reasons.join('; '))}` : ''}</p>
<p>${legend} &nbsp; <span style="color:#2ca02c">●</span> gate open <span style="color:#d62728">●</span> gate held <span style="color:#d62728">▼</span> bad build started</p>
<svg id="lanes" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
${parts.join('\n')}
</svg>
<h2>Fleet gate decisions</h2>
<table><tr><th>at</th><th>before</th><th>verdict</th><th>held by</th></tr>
${rows}
</table>
</body></html>
`;
}
