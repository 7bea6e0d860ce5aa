/**
 * The Analysis section of a multi-label run opens in chromium: the
 * per-label table has a row per label, every thumbnail and the Grad-CAM
 * overlay decode, label names are escaped, and the page asks for nothing
 * over the network.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { launchChromium } from '../../test/browser.js';
import type { ImageDataset } from '../data/dataset.js';
import { analysisFiles, galleryFile } from './analysis-files.js';
import { MultilabelCollector } from './multilabel-predictions.js';
import { runMultilabelAnalysis } from './run-multilabel-analysis.js';

test('a multi-label Analysis section renders in chromium: the per-label table, the top losses with their images, the skipped parts', async (t) => {
  const browser = await launchChromium(t);
  if (browser === null) return;
  const runDir = await mkdtemp(join(tmpdir(), 'report-multilabel-'));
  try {
    const pixels = Array.from({ length: 6 }, (_, i) => Buffer.from(Array.from({ length: 12 }, (_, p) => (i * 37 + p * 11) % 256)));
    const dataset = {
      source: (i: number) => ({ data: pixels[i], width: 2, height: 2, channels: 3 }),
      describe: (i: number) => `idx:val#${i}`,
    } as unknown as ImageDataset;
    const collector = new MultilabelCollector(3);
    collector.add(
      [2, -1, 0.5, -2, 3, 1, 0, 0, -4, 1, 1, 1, -3, 2, -1, 4, -4, 0],
      [1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 1],
      [0, 1, 2, 3, 4, 5],
    );
    const predictions = collector.finish(dataset, ['cat', 'dog', '<b>owl</b>'], [0.5, 0.4, 0.6]);
    const cam = join(runDir, analysisFiles.dir, galleryFile(analysisFiles.camDir, 0));
    await runMultilabelAnalysis(runDir, predictions, {
      split: 'val',
      topK: 3,
      dataset,
      beforeReport: async () => {
        await mkdir(join(runDir, analysisFiles.dir, analysisFiles.camDir), { recursive: true });
        await writeFile(
          cam,
          await sharp({ create: { width: 4, height: 4, channels: 3, background: '#c33' } })
            .png()
            .toBuffer(),
        );
      },
    });

    const context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(runDir, 'report.html')).href, { waitUntil: 'load' });
    const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ alt: i.alt, complete: i.complete, width: i.naturalWidth })));
    assert.deepEqual(
      images.map((i) => i.alt),
      ['top loss 0', 'Grad-CAM of top loss 0', 'top loss 1', 'top loss 2'],
    );
    for (const image of images) assert.ok(image.complete && image.width > 0, `${image.alt} decodes: ${JSON.stringify(image)}`);
    const rows = await page.$$eval('#analysis-per-class tbody tr th', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(rows, ['cat', 'dog', '<b>owl</b>']);
    assert.equal(await page.locator('#analysis-top-losses b').count(), 0, 'label names are text, not markup');
    const skipped = await page.$$eval('li', (items) => items.map((i) => i.textContent ?? ''));
    assert.ok(
      skipped.some((s) => s.startsWith('likely label errors: ')),
      skipped.join('\n'),
    );
    assert.equal(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:')).length, 0, 'no network request');
  } finally {
    await browser.close();
    await rm(runDir, { recursive: true, force: true });
  }
});
