import { DIVERGENCE_KINDS } from '../dual/shadow/divergence.js';
import { mirrorResetText, type Coverage } from '../dual/shadow/coverage.js';
import { CHART_COLORS, CHART_WIDTH, esc, lineChart, stageChart, type DrawnSeries, type Series } from './report-charts.js';
import type { RehearsalResult } from './report.js';
import { optionFlags } from './run-info.js';

export { CHART_COLORS } from './report-charts.js';

/** A divergence kind's colour, the same in every chart. */
export const kindColor = (kind: string): string => {
  const i = (DIVERGENCE_KINDS as readonly string[]).indexOf(kind);
  return CHART_COLORS.kinds[(i < 0 ? DIVERGENCE_KINDS.length : i) % CHART_COLORS.kinds.length]!;
};

/** The legend as HTML above the chart: it wraps, so every entry shows at any width; a swatch as wide as the line. */
function legend(drawn: readonly DrawnSeries[], note = ''): string {
  const items = drawn.map((s) => `<li><span class="swatch" style="background:${s.color};height:${s.width}px"></span>${esc(s.name)}</li>`);
  return `<ul class="legend">${items.join('')}${note ? `<li class="note">${esc(note)}</li>` : ''}</ul>`;
}

function figure(id: string, title: string, chart: { svg: string; drawn: DrawnSeries[] }, note = ''): string {
  return `<figure id="${id}-figure"><figcaption><span class="title">${esc(title)}</span>${legend(chart.drawn, note)}</figcaption>${chart.svg}</figure>`;
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

/** One line per divergence kind that occurred in `which` class, in the kinds' order. */
function divergenceSeries(result: RehearsalResult, which: 'known' | 'unexpected'): Series[] {
  const byKind = result.report.divergences.byKind;
  return Object.keys(byKind)
    .filter((k) => (byKind[k]?.[which] ?? 0) > 0)
    .map((k) => ({ name: k, color: kindColor(k), points: result.timeline.map((p) => [p.t, p.divergences[k]?.[which] ?? 0] as const) }));
}

/** The report as one HTML page: inline CSS and SVG, no script, nothing fetched. */
export function renderHtmlReport(result: RehearsalResult): string {
  const r = result.report;
  const tl = result.timeline;
  const tMax = Math.max(1000, r.durationMs);
  const events = result.events;
  const peers = lineChart(
    'peers',
    'peers held per manager',
    [
      { name: 'legacy manager', color: CHART_COLORS.legacy, points: tl.map((p) => [p.t, p.legacyPeers]) },
      { name: 'unified manager', color: CHART_COLORS.unified, points: tl.map((p) => [p.t, p.unifiedPeers]) },
    ],
    events,
    tMax,
  );
  const known = lineChart('divergences-known', 'known divergences by kind', divergenceSeries(result, 'known'), events, tMax, 'none');
  const unexpected = lineChart('divergences-unexpected', 'unexpected divergences by kind', divergenceSeries(result, 'unexpected'), events, tMax, 'none: every divergence was one legacy is known for');
  const messages = lineChart(
    'messages',
    'block proposals sent and delivered',
    [
      { name: 'sent', color: CHART_COLORS.sent, points: tl.map((p) => [p.t, p.sent]) },
      { name: 'delivered', color: CHART_COLORS.delivered, points: tl.map((p) => [p.t, p.delivered]) },
    ],
    events,
    tMax,
  );
  const rows = (cells: string[][]): string => cells.map((c) => `<tr>${c.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`).join('');
  const m = r.messages;
  const d = r.divergences;
  const run = r.run;
  const started = run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const faultRows = r.faults
    .map((f) => {
      const met = f.detectedAfterMs !== null && f.detectedAfterMs <= f.boundMs;
      const cells = [f.kind, f.node, `${(f.at / 1000).toFixed(1)} s`, f.detectedAfterMs === null ? 'not detected' : `${f.detectedAfterMs} ms`, `${f.boundMs} ms`].map((x) => `<td>${esc(x)}</td>`);
      return `<tr>${cells.join('')}<td class="${met ? 'met' : 'missed'}">${met ? 'yes' : 'NO'}</td></tr>`;
    })
    .join('');
  const coincide = 'drawn wider: where the lines coincide, it edges the other';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>poolshift rehearsal: ${r.verdict}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#212529;background:#fff;max-width:${CHART_WIDTH + 2}px}
h1{margin:0 0 4px}.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;background:${r.verdict === 'pass' ? CHART_COLORS.delivered : CHART_COLORS.fault}}
figure{margin:18px 0;border:1px solid #dee2e6;background:#fcfcfd}figcaption{padding:6px 10px 0}
.title{font-weight:600}.chart{display:block;width:100%;height:auto}
.legend{display:flex;flex-wrap:wrap;gap:2px 18px;list-style:none;margin:4px 0 0;padding:0;font-size:12px}
.legend li{display:flex;align-items:center;gap:6px}.legend .note{color:#495057}
.swatch{display:inline-block;width:22px}
.tick{font-size:11px;fill:#495057}.small{font-size:10px}.stage-mark{font-size:11px;fill:${CHART_COLORS.flag};font-weight:600}.empty{font-size:14px;fill:#495057;paint-order:stroke;stroke:#fcfcfd;stroke-width:8px;stroke-linejoin:round}
.grid{stroke:#e9ecef}.event{stroke-width:1.5;stroke-dasharray:4 3}.event.fault{stroke-dasharray:none}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #dee2e6;padding:3px 8px;text-align:left}
#coverage td{overflow-wrap:anywhere}/* its operation names are long: without this it runs past a 960 px window */
.met{color:${CHART_COLORS.delivered}}.missed{color:#fff;background:${CHART_COLORS.fault};font-weight:600}
.key span{display:inline-block;width:14px;height:3px;margin:0 4px 3px 12px;vertical-align:middle}
#run{color:#495057;font-size:12px}#run code{white-space:normal}
</style></head><body>
<h1>poolshift rehearsal <span class="verdict" id="verdict">${r.verdict}</span></h1>
<p id="run">Ran ${esc(started)} for ${(r.durationMs / 1000).toFixed(1)} s, poolshift ${esc(run.version)}, Node ${esc(run.node)}.<br>Options: <code>${esc(optionFlags(run.options))}</code></p>
<p>${r.nodes} nodes; divergences ${d.total} (${d.known} known, <strong>${d.unexpected} unexpected</strong>);
messages ${m.sent} sent, ${m.delivered} delivered, ${m.lost} lost, ${m.duplicated} duplicated.</p>
<p class="key">time axis marks:<span style="background:${CHART_COLORS.flag}"></span>flag change, named by its stage (↩ a rollback)<span style="background:${CHART_COLORS.fault}"></span>fault</p>
${result.reasons.length ? `<h2>Why it failed</h2><ul>${result.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
${figure('peers', 'Peers held per manager (summed over the nodes)', peers, `legacy ${coincide}`)}
${figure('divergences-unexpected', 'Unexpected divergences by kind (cumulative): each one fails the run', unexpected)}
${figure('divergences-known', "Known divergences by kind (cumulative): legacy's documented quirks (L1-L7)", known)}
<figure id="consistency-figure"><figcaption><span class="title">Consistency per stage (shadow comparisons that agreed)</span></figcaption>${stageChart(r.stages)}</figure>
${figure('messages', 'Block proposals: sent and delivered (cumulative)', messages, `sent ${coincide}`)}
<h2>Events</h2><table id="events">${rows(events.map((e) => [`${(e.t / 1000).toFixed(1)} s`, e.kind, e.label]))}</table>
<h2>Divergences by kind</h2><table id="divergences-by-kind"><tr><th>kind</th><th>known</th><th>unexpected</th></tr>${rows(DIVERGENCE_KINDS.map((k) => [k, String(d.byKind[k]?.known ?? 0), String(d.byKind[k]?.unexpected ?? 0)]))}</table>
<h2>Coverage</h2><p>What the nodes' shadow verification exercised and compared; a pass covers only this.</p>
<table id="coverage"><tr><th>node</th><th>stale removals</th><th>replacements</th><th>events</th><th>message counts</th><th>liveness evidence</th><th>resource checks</th><th>reads compared</th><th>writes compared</th></tr>${rows(
    [['all', r.coverage.total] as const, ...Object.entries(r.coverage.byNode)].map(([name, c]) => [name, ...coverageCells(c)]),
  )}</table>
${never(r.coverage.total)}
<h2>Faults</h2><p>Each fault must be seen by every other node within its bound.</p>
<table id="faults"><tr><th>fault</th><th>node</th><th>at</th><th>detected after</th><th>bound</th><th>within bound</th></tr>${faultRows}</table>
</body></html>
`;
}
