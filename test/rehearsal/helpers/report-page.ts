import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { decodePng, type Image, type Region } from './png.js';

export interface LegendEntry {
  readonly text: string;
  readonly visible: boolean;
  readonly box: Region | null;
}

/** The HTML report as a person sees it at one window width. */
export interface RenderedReport {
  readonly width: number;
  /** The whole page, as pixels. */
  readonly image: Image;
  /** Each chart's SVG and each legend's box on the page, by chart id. */
  readonly charts: Record<string, Region>;
  readonly legends: Record<string, Region>;
  /** Every legend entry of every chart, by chart id. */
  readonly entries: Record<string, LegendEntry[]>;
  /** How wide the page's content is: wider than the window means something is cut off. */
  readonly scrollWidth: number;
}

/** Opens `file` in `browser` at `width` px, takes a full-page screenshot to `png` and measures the charts. */
export async function renderReport(browser: Browser, file: string, width: number, png: string): Promise<RenderedReport> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  try {
    await page.goto(pathToFileURL(file).href);
    const charts: Record<string, Region> = {};
    const legends: Record<string, Region> = {};
    const entries: Record<string, LegendEntry[]> = {};
    for (const svg of await page.locator('svg.chart').all()) {
      const id = (await svg.getAttribute('id')) ?? '?';
      const box = await svg.boundingBox();
      if (box) charts[id] = box;
      const legend = page.locator(`#${id}-figure .legend`);
      if ((await legend.count()) === 0) continue;
      const lbox = await legend.boundingBox();
      if (lbox) legends[id] = lbox;
      entries[id] = await Promise.all(
        (await legend.locator('li').all()).map(async (li) => ({ text: ((await li.textContent()) ?? '').trim(), visible: await li.isVisible(), box: await li.boundingBox() })),
      );
    }
    const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
    await page.screenshot({ path: png, fullPage: true });
    return { width, image: decodePng(readFileSync(png)), charts, legends, entries, scrollWidth };
  } finally {
    await page.close();
  }
}
