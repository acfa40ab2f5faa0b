import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser } from 'playwright-core';

/**
 * A real headless Chromium from the dev dependencies: @sparticuz/chromium ships the binary in the
 * npm package (unpacked to the temp folder on first use; no install script, no download) and
 * playwright-core drives it, so the browser tests run wherever `npm install` ran.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await chromium.executablePath();
  // This machine's network is closed: no background connections to fail at every start.
  return playwright.launch({
    executablePath,
    timeout: 60_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
