/**
 * The README's screenshots of the dashboard: starts it on the given run
 * folders, opens the newest run's page and the runs list in Debian's
 * chromium, and saves them as PNGs.
 *
 * @example
 * node --import tsx scripts/dashboard-screenshot.ts outputs docs/images
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { RunsResponse } from '../src/dashboard/api-types.js';
import { startDashboard } from '../src/dashboard/start-dashboard.js';

const [root = 'outputs', outDir = 'docs/images'] = process.argv.slice(2);

/** Waits until the curve has its points, then for the plot to settle. */
async function settle(page: Page): Promise<void> {
  await page.waitForFunction(`Number(document.querySelector('.point-count')?.dataset.points ?? 0) > 0`, null, { timeout: 15_000 });
  await page.waitForTimeout(500);
}

const dashboard = await startDashboard({ roots: [root], port: 0 });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const { runs } = (await (await fetch(new URL('/api/runs', dashboard.url))).json()) as RunsResponse;
  const newest = [...runs].sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''))[0];
  if (newest === undefined) throw new Error(`dashboard-screenshot: expected a run under ${root}, but got none`);
  await mkdir(outDir, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(new URL(`#/run/${encodeURIComponent(newest.id)}`, dashboard.url).href);
  await settle(page);
  await page.screenshot({ path: path.join(outDir, 'dashboard-run.png') });
  await page.goto(new URL('#/runs', dashboard.url).href);
  await page.waitForSelector('tbody tr[data-run-id]');
  await page.screenshot({ path: path.join(outDir, 'dashboard-runs.png'), clip: { x: 0, y: 0, width: 1280, height: 200 } });
  console.log(`dashboard-screenshot: ${newest.name} → ${outDir}/dashboard-run.png, dashboard-runs.png`);
} finally {
  await browser.close();
  await dashboard.close();
}
