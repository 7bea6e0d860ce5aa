/**
 * The run report in a real browser: Debian's chromium, driven by
 * playwright-core, opens report.html from disk with the network off. Every
 * image must decode, and the metric values on the page must be the ones the
 * CSVLogger wrote to metrics.csv. Skipped only where /usr/bin/chromium is
 * missing outside CI (`scripts/setup.sh --test` installs it); under CI a
 * missing browser fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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

/** Two validation epochs of a tiny module on 2×2 images, through every plot callback and the report. */
async function writeRun(runDir: string): Promise<void> {
  torch.manualSeed(0);
  const module = new ClassificationModule(new Sequential(new Linear(12, 3)), { numClasses: 3, classNames: ['cat', 'dog', 'owl'] });
  const csv = new CSVLogger();
  await csv.setup(runDir, { resumed: false });
  const history: EpochRecord[] = [];
  const trainer = fakeTrainer({ runDir, history });
  const callbacks = [
    new ConfusionMatrix(),
    new TrainingHistory(),
    new SampleVisualization({ numSamples: 6 }),
    new RunReport({ config: { seed: 0 } }),
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
        for (const c of callbacks) await c.onValidationBatchEnd?.(trainer, module, { batch: { images, labels }, batchIdx: b, logits });
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
      ['loss', 'accuracy', 'confusion matrix (validation)', 'validation samples: true / predicted (confidence)'],
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
