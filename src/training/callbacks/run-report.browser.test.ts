/**
 * The run report in a real browser: Debian's chromium, driven by
 * playwright-core, opens report.html from disk with the network off. Every
 * image must decode (the plots inline, the Analysis section's thumbnails,
 * Grad-CAM overlays, label-issue images and reliability diagram as files
 * beside the page), and the metric values on the page must be the ones the
 * CSVLogger wrote to metrics.csv. Skipped only where /usr/bin/chromium is
 * missing outside CI (`scripts/setup.sh --test` installs it); under CI a
 * missing browser fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { Analysis } from '../../analysis/analysis-callback.js';
import { analysisFiles } from '../../analysis/analysis-files.js';
import { writeReportSection } from '../../analysis/report-section.js';
import type { ImageClassificationDataModule } from '../../data/datamodule.js';
import type { ImageDataset } from '../../data/dataset.js';
import { launchChromium } from '../../../test/browser.js';
import * as torch from '../../torch/index.js';
import { Linear, Sequential } from '../../torch/nn/index.js';
import { ClassificationModule } from '../../models/classification-module.js';
import { CSVLogger } from '../loggers/csv-logger.js';
import { parseCsv } from '../loggers/csv.js';
import type { EpochRecord } from '../trainer-view.js';
import { fakeTrainer } from './fake-trainer.test-helper.js';
import { ConfusionMatrix } from './confusion-matrix.js';
import { RunReport } from './run-report.js';
import { SampleVisualization } from './sample-visualization.js';
import { TrainingHistory } from './training-history.js';

/** A validation split of 8 in-memory 2×2 images, named as IDX samples are (the analysis reads their pixels back). */
function valSplit(classes: string[]): ImageDataset {
  const pixels = Array.from({ length: 8 }, (_, i) => Buffer.from(Array.from({ length: 12 }, (_, p) => (i * 31 + p * 17) % 256)));
  return {
    length: 8,
    classes,
    targets: new Int32Array(8),
    source: (i) => ({ data: pixels[i], width: 2, height: 2, channels: 3 }),
    describe: (i) => `idx:val#${i}`,
  };
}

/** Two validation epochs of a tiny module on 2×2 images, through every plot callback, the analysis and the report. */
async function writeRun(runDir: string): Promise<void> {
  torch.manualSeed(0);
  const classNames = ['cat', 'dog', 'owl'];
  const module = new ClassificationModule(new Sequential(new Linear(12, 3)), { numClasses: 3, classNames });
  const csv = new CSVLogger();
  await csv.setup(runDir, { resumed: false });
  const history: EpochRecord[] = [];
  const dataModule = { val: valSplit(classNames), idxToClass: classNames } as unknown as ImageClassificationDataModule;
  const trainer = fakeTrainer({ runDir, history, dataModule });
  const report = new RunReport({ config: { seed: 0 } });
  const callbacks = [
    new ConfusionMatrix(),
    new TrainingHistory(),
    new SampleVisualization({ numSamples: 6 }),
    report,
    new Analysis({ topK: 3 }),
  ];
  try {
    for (let epoch = 0; epoch < 2; epoch++) {
      trainer.currentEpoch = epoch;
      trainer.globalStep = (epoch + 1) * 4;
      for (const c of callbacks) await c.onValidationStart?.(trainer, module);
      for (const c of callbacks) await c.onValidationEpochStart?.(trainer, module);
      for (let b = 0; b < 2; b++) {
        const images = torch.rand([4, 3, 2, 2]);
        const labels = torch.randint(0, 3, [4]);
        const logits = torch.noGrad(() => module.forward(images.flatten(1)));
        torch.noGrad(() => module.validationStep({ images: images.flatten(1), labels }, b));
        const indices = [0, 1, 2, 3].map((i) => 4 * b + i);
        for (const c of callbacks)
          await c.onValidationBatchEnd?.(trainer, module, { batch: { images, labels, indices }, batchIdx: b, logits });
        for (const t of [images, labels, logits]) t.dispose();
      }
      const metrics: Record<string, number> = { ...module.onValidationEpochEnd(), 'train/loss': 1 / (epoch + 1.7) };
      for (const entry of module.takeLogs()) if (typeof entry.value !== 'number') entry.value.dispose();
      await csv.logMetrics(metrics, { step: trainer.globalStep, epoch });
      history.push({ epoch, step: trainer.globalStep, metrics });
      trainer.callbackMetrics = metrics;
      for (const c of callbacks) await c.onValidationEnd?.(trainer, module);
    }
    for (const c of callbacks) await c.onFitEnd?.(trainer, module);
    // The files of the other analyses (Grad-CAM, label issues, calibration): the section shows what exists.
    const dir = join(runDir, analysisFiles.dir);
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#c33' } })
      .png()
      .toBuffer();
    for (const sub of [analysisFiles.camDir, analysisFiles.labelIssuesDir]) await mkdir(join(dir, sub), { recursive: true });
    await writeFile(join(dir, analysisFiles.camDir, '0.png'), png);
    await writeFile(join(dir, analysisFiles.labelIssuesDir, '0.png'), png);
    await writeFile(join(dir, analysisFiles.labelIssuesCsv), 'path,given,suggested,score\nidx:val#5,"a ""cat""",dog,0.9\n');
    await writeFile(join(dir, analysisFiles.reliabilityPng), png);
    await writeReportSection(runDir);
    // A later rewrite of the page keeps the section.
    await report.onFitEnd(trainer, module);
    await csv.finalize('success');
  } finally {
    module.dispose();
  }
}

test('report.html opens in chromium: every image decodes, the metrics equal metrics.csv', async (t) => {
  const browser = await launchChromium(t);
  if (browser === null) return;
  const runDir = await mkdtemp(join(tmpdir(), 'report-browser-'));
  try {
    await writeRun(runDir);
    const [header, ...rows] = parseCsv(await readFile(join(runDir, 'metrics.csv'), 'utf8'));
    const last = rows.at(-1) ?? [];
    const expected = Object.fromEntries(
      header.map((name, i) => [name, last[i]]).filter(([name, v]) => v !== '' && name !== 'epoch' && name !== 'step'),
    );
    assert.ok(Object.keys(expected).length >= 4, `metrics.csv has the epoch's metrics: ${header.join(', ')}`);

    const context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(join(runDir, 'report.html')).href, { waitUntil: 'load' });

    const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ alt: i.alt, complete: i.complete, width: i.naturalWidth })));
    assert.deepEqual(
      images.map((i) => i.alt),
      [
        'loss',
        'accuracy',
        'confusion matrix (validation)',
        'validation samples: true / predicted (confidence)',
        'top loss 0',
        'Grad-CAM of top loss 0',
        'top loss 1',
        'top loss 2',
        'label issue 0',
        'reliability diagram',
      ],
    );
    for (const image of images) assert.ok(image.complete && image.width > 0, `${image.alt} decodes: ${JSON.stringify(image)}`);

    const shown = await page.$$eval('#metrics td.value, #per-class td.value', (cells) =>
      cells.map((c) => ({
        name: c.getAttribute('data-metric') ?? '',
        value: c.getAttribute('data-value') ?? '',
        text: c.textContent ?? '',
      })),
    );
    assert.deepEqual(shown.map((s) => s.name).sort(), Object.keys(expected).sort());
    assert.equal(await page.locator('#analysis-per-class tbody tr').count(), 3);
    assert.match((await page.locator('#analysis-label-issues').textContent()) ?? '', /given: a "cat"/);
    for (const { name, value, text } of shown) {
      assert.equal(Number(value), Number(expected[name]), `${name}: data-value`);
      const relative = Math.abs(Number(text) - Number(expected[name])) / Math.max(Math.abs(Number(expected[name])), 1e-12);
      assert.ok(relative < 1e-5, `${name}: the page shows ${text}, metrics.csv has ${expected[name]}`);
    }
    assert.deepEqual(
      requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:')),
      [],
      'no network request',
    );
  } finally {
    await browser.close();
    await rm(runDir, { recursive: true, force: true });
  }
});
