/**
 * Acceptance of the Trainer's run directory: a tiny CNN fitted for 2 epochs
 * on tiny generated images with every callback and logger on, then resumed
 * for a third; every artefact exists and is valid (PNGs decode, metrics.csv
 * parses, every TensorBoard record's CRCs hold, report.html renders in
 * Debian's chromium with every image loaded and the metrics of metrics.csv).
 * A second test checks that live tensors stay flat across epochs with all of
 * them on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32c } from '@node-rs/crc32';
import sharp from 'sharp';
import * as torch from '../../src/torch/index.js';
import { Callback } from '../../src/training/callback.js';
import * as cb from '../../src/training/callbacks/index.js';
import { CSVLogger, JSONLLogger, TensorBoardLogger } from '../../src/training/loggers/index.js';
import { Trainer } from '../../src/training/trainer.js';
import type { TrainerInput } from '../../src/training/trainer.js';
import { launchChromium } from '../browser.js';
import { colourDataModule, makeColourFolder, tinyCnn } from './trainer-fixtures.js';

function everyCallback(): Callback[] {
  return [
    new cb.LearningRateMonitor(),
    new cb.EarlyStopping({ monitor: 'val/loss', patience: 50 }),
    new cb.EMA({ decay: 0.9 }),
    new cb.NanGuard({ checkEveryNSteps: 3 }),
    new cb.ConfusionMatrix(),
    new cb.TrainingHistory(),
    new cb.SampleVisualization({ numSamples: 8 }),
    new cb.RunReport(),
    new cb.DatasetStatistics(),
    new cb.SamplerDistribution(),
    new cb.Timer(),
    new cb.ModelSummary({ inputSize: [3, 10, 10] }),
    new cb.ProgressBar({ stream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream }),
    new cb.ModelCheckpoint({ monitor: 'val/acc_top1', mode: 'max', saveTopK: 2 }),
  ];
}

function options(dir: string, maxEpochs: number): TrainerInput {
  return {
    maxEpochs,
    seed: 5,
    numThreads: 2,
    logEveryNSteps: 2,
    defaultRootDir: dir,
    callbacks: everyCallback(),
    logger: [new CSVLogger(), new JSONLLogger(), new TensorBoardLogger()],
  };
}

function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => line.split(','));
}

function checkTfRecords(file: string): number {
  const bytes = readFileSync(file);
  const mask = (crc: number) => ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
  let offset = 0;
  let records = 0;
  while (offset < bytes.length) {
    const length = Number(bytes.readBigUInt64LE(offset));
    assert.equal(
      bytes.readUInt32LE(offset + 8),
      mask(crc32c(bytes.subarray(offset, offset + 8))),
      `${file}: length CRC of record ${records}`,
    );
    const data = bytes.subarray(offset + 12, offset + 12 + length);
    assert.equal(bytes.readUInt32LE(offset + 12 + length), mask(crc32c(data)), `${file}: data CRC of record ${records}`);
    offset += 16 + length;
    records++;
  }
  return records;
}

void test('fit 2 epochs with every callback and logger, resume for a third: every artefact exists and is valid', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  const dm = colourDataModule(root);
  await new Trainer(options(dir, 2)).fit(tinyCnn(), dm);
  const resumed = new Trainer(options(dir, 3));
  await resumed.fit(tinyCnn({}, 3), dm, { ckptPath: 'last' });
  assert.equal(resumed.history.length, 3);

  const ckpts = readdirSync(path.join(dir, 'checkpoints')).sort();
  assert.ok(ckpts.includes('last.ckpt') && ckpts.filter((n) => n.startsWith('epoch=')).length === 2, ckpts.join(', '));
  for (const png of ['confusion_matrix.png', 'samples.png', 'curves_loss.png', 'curves_accuracy.png', 'curves_lr.png']) {
    const meta = await sharp(path.join(dir, 'plots', png)).metadata();
    assert.ok((meta.width ?? 0) > 50 && (meta.height ?? 0) > 50, `${png}: ${meta.width}x${meta.height}`);
  }
  assert.match(readFileSync(path.join(dir, 'model_summary.txt'), 'utf8'), /Total params/);
  const [header, ...rows] = parseCsv(readFileSync(path.join(dir, 'metrics.csv'), 'utf8'));
  assert.deepEqual(header.slice(0, 2), ['epoch', 'step']);
  for (const name of ['train/loss', 'val/loss', 'val/acc_top1', 'lr-AdamW/pg1', 'train/img_per_s', 'system/rss_mb'])
    assert.ok(header.includes(name), `metrics.csv has ${name}: ${header.join(',')}`);
  assert.ok(rows.every((r) => r.length === header.length));
  const epochs = new Set(rows.filter((r) => r[header.indexOf('val/acc_top1')] !== '').map((r) => r[0]));
  assert.deepEqual([...epochs].sort(), ['0', '1', '2']);
  const jsonl = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(jsonl.some((r) => typeof r['val/loss'] === 'number'));
  const events = readdirSync(dir).filter((n) => n.startsWith('events.out.tfevents.'));
  assert.equal(events.length, 2, 'one event file per run (the resumed run starts a new one)');
  for (const file of events) assert.ok(checkTfRecords(path.join(dir, file)) > 5);
  assert.ok(existsSync(path.join(dir, 'dataset_stats.json')) && existsSync(path.join(dir, 'sampler_distribution.json')));

  const browser = await launchChromium(t);
  if (browser === null) return;
  try {
    const page = await (await browser.newContext({ offline: true })).newPage();
    await page.goto(pathToFileURL(path.join(dir, 'report.html')).href, { waitUntil: 'load' });
    const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ alt: i.alt, ok: i.complete && i.naturalWidth > 0 })));
    assert.ok(images.length >= 4 && images.every((i) => i.ok), JSON.stringify(images));
    const shown = await page.$$eval('#metrics td.value', (cells) =>
      cells.map((c) => [c.getAttribute('data-metric'), Number(c.getAttribute('data-value'))] as const),
    );
    const last = Object.fromEntries(header.map((name, i) => [name, rows.filter((r) => r[i] !== '').at(-1)?.[i]]));
    for (const [name, value] of shown) assert.equal(value, Number(last[name as string]), `${name} on the page equals metrics.csv`);
    assert.ok(shown.some(([name]) => name === 'val/acc_top1'));
  } finally {
    await browser.close();
  }
});

class LiveTensors extends Callback {
  readonly counts: number[] = [];
  override onTrainEpochStart(): void {
    this.counts.push(torch.memory().liveTensors);
  }
}

void test('live tensors stay flat across epochs with validation, checkpoints and every callback on', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const probe = new LiveTensors();
  const dm = colourDataModule(root);
  const module = tinyCnn();
  const o = options(path.join(root, 'run'), 5);
  await new Trainer({ ...o, callbacks: [probe, ...(o.callbacks ?? [])] }).fit(module, dm);
  // Epoch 0 starts before optimizer state and EMA exist; from epoch 1 on the count must not move.
  const [, first, ...rest] = probe.counts;
  assert.ok(rest.length >= 3);
  for (const c of rest) assert.equal(c, first, `live tensors per epoch: ${probe.counts.join(', ')}`);
});
