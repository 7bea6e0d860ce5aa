/**
 * The dashboard in a real browser (Debian's chromium driven by
 * playwright-core) against the real server on run dirs the real CLI wrote:
 * a finished sweep of two learning rates and a run that keeps training
 * while the page watches. The data folder and one class are named
 * `<img src=x onerror=alert(1)>`; no page may turn them into elements.
 * Each page's screenshot is saved under test-artifacts/dashboard/ and must
 * not be blank. Needs `npm run build` (the runs go through the CLI).
 */
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunSummary, RunsResponse } from '../../src/dashboard/api-types.js';
import { startDashboard } from '../../src/dashboard/start-dashboard.js';
import type { RunningDashboard } from '../../src/dashboard/start-dashboard.js';
import { launchChromium } from '../browser.js';
import {
  INJECTION,
  makeClassFolder,
  quoted,
  runCli,
  screenshotSpread,
  spawnCli,
  stopCli,
  tinyTrainArgs,
  writeConfusionEpochs,
} from './dashboard-fixtures.js';

/** A screenshot's pixels must spread at least this much (a blank page has 0). */
const MIN_SPREAD = 8;

let root = '';
let dashboard: RunningDashboard | null = null;
let live: ChildProcess | null = null;
let browser: Browser | null = null;
let runs: RunSummary[] = [];
let matrices: number[][][] = [];
const dialogs: string[] = [];

async function waitFor<T>(what: string | (() => string), get: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`dashboard test: expected ${typeof what === 'string' ? what : what()} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function listRuns(): Promise<RunSummary[]> {
  const response = await fetch(new URL('/api/runs', dashboard!.url));
  return ((await response.json()) as RunsResponse).runs;
}

const sweepRun = (n: number) => runs.find((r) => r.sweep !== null && r.name.endsWith(`/${n}`))!;
const liveRun = () => runs.find((r) => r.sweep === null)!;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'dashboard-browser-'));
  const data = await makeClassFolder(root);
  const sweepDir = path.join(root, 'multirun', INJECTION);
  // Trains beside the sweep and until the tests are done (5 minutes at most, should the test die without
  // stopping it): one epoch's rows reach metrics.csv at every epoch end.
  const liveDir = `run.dir=${path.join(root, 'outputs', 'live')}`;
  live = spawnCli(['train', ...tinyTrainArgs(data), liveDir, 'trainer.maxEpochs=100000', "trainer.maxTime='00:00:05:00'"]);
  live.stdout?.resume();
  live.stderr?.resume();
  await runCli([
    'train',
    '-m',
    ...tinyTrainArgs(data),
    `run.sweepDir=${quoted(sweepDir)}`,
    'trainer.maxEpochs=2',
    'optimizer.lr=0.05,0.01',
  ]);
  const saved = (await readFile(path.join(sweepDir, '0', 'plots', 'confusion_matrices.jsonl'), 'utf8')).trim().split('\n');
  const epochs = saved.map((line) => JSON.parse(line) as { epoch: number; split: string }).filter((e) => e.split === 'val');
  assert.deepEqual(
    epochs.map((e) => e.epoch),
    [0, 1],
    'the confusion_matrix callback saved every epoch',
  );
  // A tiny run gets every colour right from its first epoch; matrices that differ show what the slider does.
  matrices = await writeConfusionEpochs(path.join(sweepDir, '0'), ['green', 'red', INJECTION], 3);
  dashboard = await startDashboard({ roots: [path.join(root, 'outputs'), path.join(root, 'multirun')], port: 0 });
  let seen: RunSummary[] = [];
  const detail = () => seen.map((r) => `${r.name}: ${r.status}, ${Object.keys(r.lastMetrics).length} metrics`).join('; ');
  runs = await waitFor(
    () => `the sweep and the running run (found ${detail() || 'none'})`,
    async () => {
      const found = (seen = await listRuns());
      const running = found.find((r) => r.status === 'running' && r.lastMetrics['train/loss_step'] !== undefined);
      return found.length === 3 && running !== undefined ? found : null;
    },
  );
});

after(async () => {
  if (live !== null) await stopCli(live);
  await browser?.close();
  await dashboard?.close();
  if (root !== '') await rm(root, { recursive: true, force: true });
});

/** A fresh page that records dialogs (an injected handler would open one). */
async function openPage(t: TestContext, hash: string): Promise<Page | null> {
  browser ??= await launchChromium(t);
  if (browser === null) return null;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(new URL(hash, dashboard!.url).href);
  return page;
}

/** No element came from the injected markup, and the markup shows as text. */
async function assertNoInjection(page: Page): Promise<void> {
  const sources = await page.$$eval('img', (images) => images.map((i) => i.getAttribute('src')));
  assert.ok(!sources.includes('x'), `no <img src=x>: ${sources.join(', ')}`);
  assert.ok((await page.getByText(INJECTION).count()) > 0, 'the markup shows as text');
  assert.deepEqual(dialogs, [], 'no dialog opened');
}

test('the runs list shows the finished sweep with its swept key and the running run', async (t) => {
  const page = await openPage(t, '#/runs');
  if (page === null) return;
  await page.waitForSelector(`tr[data-run-id="${liveRun().id}"]`);
  const status = (id: string) => page.locator(`tr[data-run-id="${id}"] .badge`).textContent();
  assert.equal(await status(liveRun().id), 'running');
  assert.equal(await status(sweepRun(0).id), 'finished');
  assert.equal(await status(sweepRun(1).id), 'finished');
  assert.match((await page.locator('tr.sweep-header').textContent()) ?? '', /swept: optimizer\.lr/);
  assert.equal(await page.locator(`tr[data-run-id="${sweepRun(1).id}"] .swept`).textContent(), 'optimizer.lr=0.01');

  const names = () => page.$$eval('tbody tr[data-run-id] td.name a', (links) => links.map((a) => a.textContent));
  await page.click('th[data-sort="name"]');
  assert.deepEqual(await names(), ['live', sweepRun(0).name, sweepRun(1).name], 'by name, ascending');
  await page.click('th[data-sort="name"]');
  assert.deepEqual(await names(), ['live', sweepRun(1).name, sweepRun(0).name], 'by name, descending (sweep runs stay under their header)');

  await page.fill('input.filter', 'optimizer.lr=0.05');
  assert.deepEqual(await page.$$eval('tbody tr[data-run-id]', (rows) => rows.map((r) => r.getAttribute('data-run-id'))), [sweepRun(0).id]);
  await page.fill('input.filter', '');
  await assertNoInjection(page);
  assert.ok((await screenshotSpread(page, 'runs')) > MIN_SPREAD, 'the runs list is not blank');

  for (const run of [sweepRun(0), sweepRun(1)]) await page.check(`tr[data-run-id="${run.id}"] input[type=checkbox]`);
  assert.equal(await page.locator('button.compare').textContent(), 'Compare 2');
  await page.click('button.compare');
  await page.waitForSelector('table.differences');
  assert.equal(new URL(page.url()).hash, `#/compare?ids=${[sweepRun(0).id, sweepRun(1).id].map(encodeURIComponent).join(',')}`);
  await page.close();
});

test("a running run's curve gains points from the stream without a reload", async (t) => {
  const page = await openPage(t, `#/run/${encodeURIComponent(liveRun().id)}`);
  if (page === null) return;
  let navigations = 0;
  page.on('framenavigated', () => navigations++);
  await page.selectOption('select.metric-picker', 'train/loss_step');
  const points = async () => Number(await page.locator('.point-count').getAttribute('data-points'));
  const first = await waitFor('the first points', async () => ((await points()) > 0 ? points() : null));
  const grown = await waitFor('points from the stream', async () => {
    const now = await points();
    return now > first ? now : null;
  });
  assert.ok(grown > first);
  assert.equal(navigations, 0, 'the page never reloaded');
  assert.equal(await page.locator('[data-fact="status"] .badge').textContent(), 'running');
  assert.ok((await page.locator('.plot canvas').count()) > 0, 'uPlot drew the curve');
  assert.ok((await screenshotSpread(page, 'run-live')) > MIN_SPREAD, 'the live run page is not blank');
  await page.close();
});

test('the curve controls: x by epoch, TensorBoard smoothing, a log scale', async (t) => {
  const page = await openPage(t, `#/run/${encodeURIComponent(sweepRun(0).id)}`);
  if (page === null) return;
  // TensorBoard's debiased EMA at weight 0.6, worked out by hand: NaN passes through, the average skips it.
  const smoothed = await page.evaluate<string[]>(`import('/assets/smooth.js').then((m) => m.smooth([1, 2, 3, NaN, 4], 0.6).map(String))`);
  const expected = [1, 1.625, 2.3265306122448983, NaN, 3.0955882352941173];
  smoothed.forEach((value, i) =>
    assert.ok(String(expected[i]) === value || Math.abs(Number(value) - expected[i]) < 1e-12, `${i}: ${value}`),
  );

  const plot = page.locator('.plot');
  const points = () => page.locator('.point-count').getAttribute('data-points');
  await page.selectOption('select.metric-picker', 'val/loss');
  await page.selectOption('select.x-picker', 'epoch');
  await page.waitForSelector('.plot[data-x="epoch"]');
  assert.equal(await points(), '2', 'one val/loss per epoch');
  const legend = () => page.locator('.u-legend .u-series').count();
  assert.equal(await legend(), 2, 'x and the run');
  await page.locator('input.smoothing').fill('0.6');
  assert.equal(await plot.getAttribute('data-smoothing'), '0.6');
  assert.equal(await legend(), 3, 'the raw curve stays beside the smoothed one');
  await page.locator('input.log-scale').check();
  assert.equal(await plot.getAttribute('data-scale'), 'log');
  assert.equal(await points(), '2');
  await page.close();
});

test("comparing the sweep's two runs shows their config difference and the sweep's parallel coordinates", async (t) => {
  const [a, b] = [sweepRun(0), sweepRun(1)];
  const page = await openPage(t, `#/compare?ids=${encodeURIComponent(a.id)},${encodeURIComponent(b.id)}`);
  if (page === null) return;
  const row = page.locator('table.differences tr[data-key="optimizer.lr"]');
  await row.waitFor();
  assert.deepEqual(await row.locator('td.value').allTextContents(), ['0.05', '0.01']);
  assert.deepEqual(await page.locator('table.differences tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key'))), [
    'optimizer.lr',
  ]);
  await page.waitForSelector('svg.parallel-coords');
  assert.equal(await page.locator('svg.parallel-coords polyline.highlighted').count(), 2);
  assert.deepEqual(await page.locator('svg.parallel-coords .axis-label').allTextContents(), ['optimizer.lr', 'val/acc_top1']);
  await assertNoInjection(page);
  assert.ok((await screenshotSpread(page, 'compare')) > MIN_SPREAD, 'the compare page is not blank');
  await page.close();
});

test("a run page's epoch slider changes the confusion matrix; class names stay text", async (t) => {
  const page = await openPage(t, `#/run/${encodeURIComponent(sweepRun(0).id)}`);
  if (page === null) return;
  const table = page.locator('table.confusion');
  await table.waitFor();
  const cells = () => table.locator('td.cell').allTextContents();
  assert.equal(await table.getAttribute('data-epoch'), '2', 'the last epoch first');
  assert.deepEqual(await cells(), matrices[2].flat().map(String));
  await page.locator('input.epoch-slider').fill('0');
  assert.equal(await table.getAttribute('data-epoch'), '0');
  assert.deepEqual(await cells(), matrices[0].flat().map(String));
  assert.equal(await page.locator('.epoch-label').textContent(), 'epoch 0 (val)');
  assert.deepEqual(await table.locator('thead th.class-name').allTextContents(), ['green', 'red', INJECTION]);
  assert.match((await page.locator('pre.config').textContent()) ?? '', /lr: 0\.05/);
  // The fit-end analysis ranked the top losses; each row has its thumbnail, served from the run dir.
  await page.waitForFunction(
    `[...document.querySelectorAll('img.thumb')].length > 0 && [...document.querySelectorAll('img.thumb')].every((i) => i.complete && i.naturalWidth > 0)`,
  );
  const ranks = await page.locator('table.records tbody tr td:nth-child(2)').allTextContents();
  assert.equal(await page.locator('img.thumb').count(), ranks.length, `a thumbnail per top loss: ${ranks.join(', ')}`);
  await assertNoInjection(page);
  assert.ok((await screenshotSpread(page, 'run')) > MIN_SPREAD, 'the run page is not blank');
  await page.close();
});

test("a run's report.html shows the analysis images it links relatively", async (t) => {
  browser ??= await launchChromium(t);
  if (browser === null) return;
  const page = await browser.newPage();
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
  });
  await page.goto(new URL(`/api/runs/${encodeURIComponent(sweepRun(0).id)}/file/report.html`, dashboard!.url).href);
  const images = page.locator('#analysis-top-losses img');
  assert.ok((await images.count()) > 0, 'the report has a top-losses gallery');
  assert.match((await images.first().getAttribute('src')) ?? '', /^analysis\//);
  await page.waitForFunction(`[...document.images].every((i) => i.complete)`);
  const broken = await page.$$eval('img', (all) => all.filter((i) => i.naturalWidth === 0).map((i) => i.getAttribute('src')));
  assert.deepEqual(broken, [], 'every image of the report loads');
  assert.deepEqual(
    blocked.filter((m) => /img-src/.test(m)),
    [],
    'no image refused by the policy',
  );
  await page.close();
});

test('the page ships from the package: no request leaves the server', async (t) => {
  const page = await openPage(t, '#/runs');
  if (page === null) return;
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(dashboard!.url.replace(/\/$/, ''))) foreign.push(r.url());
  });
  await page.reload();
  await page.waitForSelector('tbody tr[data-run-id]');
  assert.deepEqual(foreign, []);
  assert.ok(existsSync(path.join(root, 'outputs', 'live', 'metrics.csv')));
  await page.close();
});
