import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_COLORS, kindColor, renderHtmlReport } from '../../src/rehearsal/html-report.js';
import { countTicks, strokeWidths } from '../../src/rehearsal/report-charts.js';
import { launchChromium } from '../helpers/browser.js';
import { fixedResult } from './helpers/report-fixture.js';
import { countColor, countInk } from './helpers/png.js';
import { renderReport, type RenderedReport } from './helpers/report-page.js';

// The renderer on a fixed report (test/rehearsal/helpers/report-fixture.ts): the page's text, then
// the page in a real Chromium at the two widths a person reads it at.

/** The SVG of one chart, by id. */
function chart(html: string, id: string): string {
  const m = new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(html);
  expect(m, id).not.toBeNull();
  return m![0];
}

const texts = (svg: string, cls: string): string[] => [...svg.matchAll(new RegExp(`<text [^>]*class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]!);
const legendOf = (html: string, id: string): string => new RegExp(`<figure id="${id}-figure">[\\s\\S]*?</figcaption>`).exec(html)![0];
const TIME_CHARTS = ['peers', 'divergences-unexpected', 'divergences-known', 'messages'];

describe('the HTML report, as text', () => {
  const html = renderHtmlReport(fixedResult());

  it('keeps whole labels in the Events table', () => {
    expect(html).toContain('<td>n2 (127.0.70.3) leaves (SIGTERM)</td>');
    expect(html).toContain('<td>SIGSTOP n3 (127.0.70.4): half-open</td>');
    expect(html).toContain('<td>flag -&gt; live (rollback)</td>');
  });

  it('names the stage at every flag-change marker of every time chart', () => {
    for (const id of TIME_CHARTS) expect(texts(chart(html, id), 'stage-mark'), id).toEqual(['legacy', 'shadow', 'live', 'unified', 'live ↩', 'shadow ↩', 'live', 'unified']);
  });

  it('gives counts whole-number ticks', () => {
    for (const id of TIME_CHARTS) for (const tick of texts(chart(html, id), 'tick y')) expect(tick, id).toMatch(/^\d+$/);
    // The known divergences reach 3: one tick per divergence, not 0.75 apart.
    expect(texts(chart(html, 'divergences-known'), 'tick y')).toEqual(['0', '1', '2', '3']);
    for (let max = 0; max <= 3000; max += 7) {
      const ticks = countTicks(max);
      expect(ticks.every(Number.isInteger) && ticks[ticks.length - 1]! >= max && ticks.length <= 6, `max ${max}: ${ticks}`).toBe(true);
    }
    expect(countTicks(6)).toEqual([0, 2, 4, 6]);
    expect(countTicks(134)).toEqual([0, 50, 100, 150]);
  });

  it('shows each fault with its bound and whether it was met', () => {
    const faults = /<table id="faults">[\s\S]*?<\/table>/.exec(html)![0];
    expect(faults).toContain('<th>bound</th><th>within bound</th>');
    expect(faults).toContain('<td>sigkill</td><td>127.0.70.3</td><td>3.2 s</td><td>22 ms</td><td>3000 ms</td><td class="met">yes</td>');
    expect(faults).toContain('<td>sigstop</td><td>127.0.70.4</td><td>7.0 s</td><td>3400 ms</td><td>3000 ms</td><td class="missed">NO</td>');
    expect(faults).toContain('<td>leave</td><td>127.0.70.3</td><td>10.4 s</td><td>not detected</td><td>3000 ms</td><td class="missed">NO</td>');
  });

  it('says when it ran, with which options and which version', () => {
    expect(html).toContain('Ran 2026-12-06 21:00:00 UTC');
    expect(html).toContain('poolshift 0.1.0 (abc1234)');
    expect(html).toContain('--nodes 3 --duration 16s --base-address 127.0.70.2 --port 7700 --admin-port 9700 --keep-alive 1.5s --ping-timeout 1125ms --stale-after 8s');
  });

  it('draws known and unexpected divergences in charts of their own, each with the kinds that occurred', () => {
    const known = legendOf(html, 'divergences-known');
    for (const kind of ['extra-in-shadow', 'info-mismatch', 'event-mismatch']) expect(known).toContain(kind);
    expect(known).not.toContain('liveness-mismatch');
    expect(chart(html, 'divergences-unexpected')).toContain('none: every divergence was one legacy is known for');
    expect(chart(html, 'divergences-unexpected')).not.toContain('<polyline');
    const failing = renderHtmlReport(fixedResult({ unexpected: true }));
    expect(legendOf(failing, 'divergences-unexpected')).toContain('liveness-mismatch');
    expect(legendOf(failing, 'divergences-known')).not.toContain('liveness-mismatch');
    expect(chart(failing, 'divergences-unexpected')).toContain(`stroke="${kindColor('liveness-mismatch')}"`);
  });

  it('draws the line underneath wider where lines may coincide', () => {
    const widths = (svg: string): Record<string, number> => Object.fromEntries([...svg.matchAll(/stroke="(#[0-9a-f]{6})" stroke-width="([\d.]+)"[^>]*class="series"/g)].map((m) => [m[1]!, Number(m[2])]));
    const peers = widths(chart(html, 'peers'));
    expect(peers[CHART_COLORS.legacy]!).toBeGreaterThan(peers[CHART_COLORS.unified]! + 2);
    const messages = widths(chart(html, 'messages'));
    expect(messages[CHART_COLORS.sent]!).toBeGreaterThan(messages[CHART_COLORS.delivered]! + 2);
    expect(strokeWidths(8).every((w, i, all) => i === 0 || w < all[i - 1]!)).toBe(true);
  });
});

describe('the HTML report in headless Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'poolshift-html-report-'));
  const artifacts = join(process.cwd(), 'test-artifacts');
  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(artifacts, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(width: number, unexpected: boolean): Promise<RenderedReport> {
    const file = join(dir, `report-${unexpected ? 'fail' : 'pass'}.html`);
    writeFileSync(file, renderHtmlReport(fixedResult({ unexpected })));
    return renderReport(browser, file, width, join(artifacts, `html-report-${unexpected ? 'fail' : 'pass'}-${width}.png`));
  }

  it.each([960, 1280])('at %i px: every legend entry shows, nothing is cut off', async (width) => {
    const page = await open(width, true);
    expect(page.scrollWidth).toBeLessThanOrEqual(width);
    expect(Object.keys(page.charts).sort()).toEqual(['consistency', ...TIME_CHARTS].sort());
    expect(page.entries['divergences-known']!.map((e) => e.text)).toEqual(['extra-in-shadow', 'info-mismatch', 'event-mismatch']);
    expect(page.entries['divergences-unexpected']!.map((e) => e.text)).toEqual(['liveness-mismatch']);
    for (const [id, entries] of Object.entries(page.entries)) {
      for (const e of entries) {
        expect(e.visible, `${id}: ${e.text}`).toBe(true);
        expect(e.box!.x, `${id}: ${e.text}`).toBeGreaterThanOrEqual(0);
        expect(e.box!.x + e.box!.width, `${id}: ${e.text}`).toBeLessThanOrEqual(width);
      }
    }
  }, 60_000);

  it.each([960, 1280])('at %i px: every series shows in its chart, the ones underneath included', async (width) => {
    const page = await open(width, true);
    const img = page.image;
    for (const [id, region] of Object.entries(page.charts)) expect(countInk(img, region), `${id} is blank`).toBeGreaterThan(2000);
    // Colours counted inside each chart's SVG, its legend apart: a line drawn, not a swatch.
    const inChart = (id: string, color: string): number => countColor(img, color, 24, page.charts[id]);
    // Legacy and unified coincide in shadow and live, sent and delivered throughout: the line
    // underneath must still show (with equal widths, legacy and sent were hidden).
    for (const color of [CHART_COLORS.legacy, CHART_COLORS.unified]) expect(inChart('peers', color), color).toBeGreaterThan(300);
    for (const color of [CHART_COLORS.sent, CHART_COLORS.delivered]) expect(inChart('messages', color), color).toBeGreaterThan(300);
    // info-mismatch and event-mismatch step up together to the same count.
    for (const kind of ['extra-in-shadow', 'info-mismatch', 'event-mismatch']) expect(inChart('divergences-known', kindColor(kind)), kind).toBeGreaterThan(100);
    expect(inChart('divergences-unexpected', kindColor('liveness-mismatch'))).toBeGreaterThan(100);
    expect(inChart('divergences-known', kindColor('liveness-mismatch'))).toBe(0);
    expect(inChart('consistency', CHART_COLORS.delivered)).toBeGreaterThan(1000);
    // Flag and fault markers on every time chart.
    for (const id of TIME_CHARTS) {
      expect(inChart(id, CHART_COLORS.fault), id).toBeGreaterThan(20);
      expect(inChart(id, CHART_COLORS.flag), id).toBeGreaterThan(20);
    }
    // Each legend shows its swatches in the series' colours.
    for (const color of [CHART_COLORS.legacy, CHART_COLORS.unified]) expect(countColor(img, color, 24, page.legends.peers), color).toBeGreaterThan(20);
    for (const color of [CHART_COLORS.sent, CHART_COLORS.delivered]) expect(countColor(img, color, 24, page.legends.messages), color).toBeGreaterThan(20);
  }, 60_000);

  it('at 960 px: a passing run says no unexpected divergence in words, in its chart', async () => {
    const page = await open(960, false);
    expect(page.entries['divergences-unexpected']).toEqual([]);
    expect(countInk(page.image, page.charts['divergences-unexpected']!)).toBeGreaterThan(2000);
    for (const kind of ['extra-in-shadow', 'info-mismatch', 'event-mismatch']) expect(countColor(page.image, kindColor(kind), 24, page.charts['divergences-unexpected']), kind).toBe(0);
  }, 60_000);
});
