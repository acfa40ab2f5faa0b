import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHART_COLORS, kindColor } from '../../src/rehearsal/html-report.js';
import { DIVERGENCE_KINDS } from '../../src/dual/shadow/divergence.js';
import { launchChromium } from '../helpers/browser.js';
import { CLI } from '../node/helpers/node-child.js';
import { countColor, countInk } from './helpers/png.js';
import { renderReport } from './helpers/report-page.js';

// Real rehearsals: node processes on 127.0.72.x, .73.x, .74.x and .77.x (the witness after the last node), short intervals.
const dir = mkdtempSync(join(tmpdir(), 'poolshift-rehearsal-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rehearse(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'rehearse', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

const SHORT = ['--nodes', '3', '--keep-alive', '1500ms', '--proposal-interval', '100ms'];
const json = join(dir, 'pass.json');
const html = join(dir, 'pass.html');

describe('poolshift rehearse', () => {
  it('walks every stage and back with real faults, stale removals and replacements, and passes with nothing lost', async () => {
    const before = Date.now();
    const { code, out } = await rehearse([...SHORT, '--duration', '16s', '--base-address', '127.0.72.1', '--json', json, '--html', html, '--work-dir', join(dir, 'pass')]);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown> & {
      stages: { mode: string; checks: number; consistencyRate: number | null }[];
      faults: { kind: string; detectedAfterMs: number | null; boundMs: number }[];
      messages: Record<string, number>;
      divergences: { unexpected: number; byKind: Record<string, unknown> };
      coverage: { total: { staleRemovals: number; replacements: number; reads: Record<string, number>; writes: Record<string, number> }; byNode: Record<string, { staleRemovals: number }> };
    };
    expect(report.stages.length, out).toBeGreaterThan(0);
    expect(Object.keys(report)).toEqual(['verdict', 'nodes', 'durationMs', 'stages', 'divergences', 'messages', 'faults', 'coverage', 'run']);
    const run = report.run as { startedAt: string; version: string; options: Record<string, unknown> };
    // Stamped by the run itself: after this test started it, before it ended.
    expect(Date.parse(run.startedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(run.startedAt)).toBeLessThanOrEqual(Date.now());
    expect(run.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.options).toMatchObject({ nodes: 3, durationMs: 16_000, keepAliveMs: 1500, baseAddress: '127.0.72.1' });
    expect(Object.keys(report.divergences.byKind)).toEqual([...DIVERGENCE_KINDS]);
    expect(Object.keys(report.divergences)).toEqual(['total', 'known', 'unexpected', 'byKind']);
    expect(Object.keys(report.messages)).toEqual(['sent', 'delivered', 'lost', 'duplicated']);
    expect(Object.keys(report.stages[0]!)).toEqual(['mode', 'startedAt', 'endedAt', 'checks', 'consistencyRate']);
    expect(Object.keys(report.faults[0]!)).toEqual(['kind', 'node', 'at', 'detectedAfterMs', 'boundMs']);
    // 2 keep-alives for a node gone, 4 for one back.
    expect(report.faults.find((f) => f.kind === 'sigkill')!.boundMs).toBe(3000);
    expect(report.faults.find((f) => f.kind === 'restart')!.boundMs).toBe(6000);
    // The progress lines, in the order printed, go forward in time.
    const times = [...out.matchAll(/^\s*(\d+\.\d)s {2}/gm)].map((m) => Number(m[1]));
    expect(times.length, out).toBeGreaterThan(20);
    expect(times.findIndex((t, i) => i > 0 && t < times[i - 1]!), out).toBe(-1);
    expect(out).toMatch(/^stage walk: \d+\.\ds \(--duration 16s: the least it takes/m);
    expect(report.stages.map((s) => s.mode), out).toEqual(['legacy', 'shadow', 'live', 'unified', 'live', 'shadow', 'live', 'unified']);
    expect(report.stages.filter((s) => s.mode === 'shadow').every((s) => s.checks > 0)).toBe(true);
    expect(report.stages.filter((s) => s.mode === 'legacy' || s.mode === 'unified').every((s) => s.checks === 0 && s.consistencyRate === null)).toBe(true);
    expect(report.faults.map((f) => f.kind), out).toEqual(['sigkill', 'restart', 'sigstop', 'stale', 'sigcont', 'cross-dial', 'leave', 'join', 'cross-dial', 'sigkill', 'restart', 'sigstop', 'stale', 'sigcont', 'hang-closing', 'restart', 'replace', 'replace', 'cross-dial']);
    expect(out).toMatch(/says goodbye and hangs before its sockets close/);
    // The broadcasts of the live stages were held to the wire (the hang-closing node's sockets fail sends).
    expect(report.coverage.total.writes['broadcastBlockProposal:wire'] ?? 0, out).toBeGreaterThan(0);
    // Each simultaneous dial made the nodes hold two connections for a key and keep one.
    expect(out).toMatch(/drop each other and dial each other at once/);
    expect(out).toMatch(/removeConnectedPeer \d+/);
    // The witness reaped each frozen node as stale (not a ping timeout), and the pools compared it.
    expect(out).toMatch(/witness reaped n\d: stale/);
    expect(report.coverage.byNode.witness!.staleRemovals, out).toBeGreaterThanOrEqual(2);
    expect(report.coverage.total.replacements, out).toBeGreaterThan(0);
    for (const read of ['getPeer', 'getConnectedPeers', 'getPeerIps', 'snapshot', 'getPoolStats']) expect(report.coverage.total.reads[read] ?? 0, read).toBeGreaterThan(0);
    expect(out).toMatch(/coverage \(summed over the nodes\): stale removals \d+/);
    for (const kind of DIVERGENCE_KINDS) expect(out).toContain(`  ${kind}`);
    expect(report.faults.every((f) => f.detectedAfterMs !== null), out).toBe(true);
    expect(report.messages.sent).toBeGreaterThan(50);
    expect(report.messages.lost, out).toBe(0);
    expect(report.messages.duplicated).toBe(0);
    expect(report.messages.delivered).toBe(report.messages.sent);
    expect(report.divergences.unexpected, out).toBe(0);
    expect(report.verdict, out).toBe('pass');
    expect(code).toBe(0);
    expect(out).toMatch(/flag -> shadow/);
    expect(out).toMatch(/SIGSTOP n\d/);
    expect(out.trim().endsWith('pass')).toBe(true);
  }, 180_000);

  it.each([
    ['drop-peer', 'missing-in-shadow', '127.0.73.1'],
    ['stale-liveness', 'liveness-mismatch', '127.0.74.1'],
    ['throw-on-send', 'error-mismatch', '127.0.77.1'],
  ])('fails with --inject-fault %s, naming %s', async (fault, kind, base) => {
    const file = join(dir, `${fault}.json`);
    const { code, out } = await rehearse([...SHORT, '--duration', '12s', '--base-address', base, '--inject-fault', fault, '--json', file]);
    const report = JSON.parse(readFileSync(file, 'utf8')) as { verdict: string; divergences: { byKind: Record<string, { unexpected: number }> } };
    expect(report.verdict).toBe('fail');
    expect(code).toBe(1);
    expect(report.divergences.byKind[kind]!.unexpected, out).toBeGreaterThan(0);
    expect(out).toContain(`unexpected divergences: ${kind}`);
    expect(out.trim().endsWith('fail')).toBe(true);
  }, 120_000);

  it('renders the HTML report in headless Chromium: five charts, the events marked, at 960 and 1280 px', async () => {
    expect(existsSync(html), 'the first test writes the report').toBe(true);
    const page = readFileSync(html, 'utf8');
    expect(page).not.toMatch(/https?:\/\//);
    const report = JSON.parse(readFileSync(json, 'utf8')) as { stages: unknown[]; divergences: { byKind: Record<string, { known: number }> } };
    // Each flag change is marked on the four time charts, and named there.
    expect((page.match(/class="event flag"/g) ?? []).length).toBe(report.stages.length * 4);
    expect((page.match(/class="stage-mark"/g) ?? []).length).toBe(report.stages.length * 4);
    expect((page.match(/class="event fault"/g) ?? []).length).toBeGreaterThan(0);
    const artifacts = join(process.cwd(), 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    // Kept beside the screenshots, for a person to open.
    copyFileSync(html, join(artifacts, 'rehearsal-report.html'));
    const browser = await launchChromium();
    try {
      for (const width of [960, 1280]) {
        const shot = await renderReport(browser, html, width, join(artifacts, `rehearsal-report-${width}.png`));
        expect(shot.image.width).toBe(width);
        expect(shot.scrollWidth).toBeLessThanOrEqual(width);
        expect(Object.keys(shot.charts).sort()).toEqual(['consistency', 'divergences-known', 'divergences-unexpected', 'messages', 'peers']);
        for (const [id, region] of Object.entries(shot.charts)) expect(countInk(shot.image, region), `${id} at ${width}`).toBeGreaterThan(2000);
        for (const [id, entries] of Object.entries(shot.entries)) {
          for (const e of entries) expect(e.visible && e.box !== null && e.box.x + e.box.width <= width, `${id}: ${e.text} at ${width}`).toBe(true);
        }
        // Every line shows in its chart, the ones drawn underneath included (sent lies under
        // delivered when nothing is lost, legacy under unified in shadow and live).
        const inChart = (id: string, color: string): number => countColor(shot.image, color, 24, shot.charts[id]);
        for (const color of [CHART_COLORS.legacy, CHART_COLORS.unified]) expect(inChart('peers', color), `${color} at ${width}`).toBeGreaterThan(200);
        for (const color of [CHART_COLORS.sent, CHART_COLORS.delivered]) expect(inChart('messages', color), `${color} at ${width}`).toBeGreaterThan(200);
        for (const [kind, c] of Object.entries(report.divergences.byKind)) {
          if (c.known > 0) expect(inChart('divergences-known', kindColor(kind)), `${kind} at ${width}`).toBeGreaterThan(50);
        }
        // Fault marks are thin vertical rules, a few pixels each, where the lines are long.
        expect(inChart('peers', CHART_COLORS.fault), `fault marks at ${width}`).toBeGreaterThan(20);
      }
    } finally {
      await browser.close();
    }
  }, 120_000);
});
