import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ImageDataset, ImageSource } from '../data/dataset.js';
import { createImage } from '../data/image.js';
import { ConfigError, DataError } from '../errors.js';
import { ClassificationModule } from '../models/classification-module.js';
import { resnet18 } from '../models/resnet.js';
import * as torch from '../torch/index.js';
import { Flatten, Linear, Sequential } from '../torch/nn/index.js';
import { fitEndTopLossCams, writeTopLossCams } from './cam-top-losses.js';
import type { Predictions } from './predictions.js';
import { runAnalysis } from './run-analysis.js';
import type { TopLoss } from './top-losses.js';

const labelsMapping = { classes: ['a', 'b'], inputSize: [3, 16, 16], normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] } };

void test("analysis: the top losses get Grad-CAM overlays in analysis/cam/<rank>.png, shown in the report's gallery; an unreadable image gets none", async () => {
  torch.setNumThreads(1);
  torch.manualSeed(0);
  const runDir = mkdtempSync(join(tmpdir(), 'cam-top-losses-'));
  const model = resnet18({ numClasses: 2, stem: 'small' });
  try {
    const sources: ImageSource[] = [
      createImage({ width: 16, height: 16, channels: 3, fill: [200, 30, 30] }),
      join(runDir, 'missing.png'),
      createImage({ width: 16, height: 16, channels: 3, fill: [20, 30, 230] }),
    ];
    const dataset: ImageDataset = {
      length: 3,
      classes: ['a', 'b'],
      targets: Int32Array.of(0, 1, 1),
      source: (i) => sources[i],
      describe: (i) => `idx:val#${i}`,
    };
    // Every sample is a loss; the ranks follow the losses: sample 1 (unreadable) is rank 0.
    const predictions: Predictions = {
      probs: Float32Array.of(0.4, 0.6, 0.9, 0.1, 0.7, 0.3),
      targets: Int32Array.of(0, 1, 1),
      losses: Float32Array.of(-Math.log(0.4), -Math.log(0.1), -Math.log(0.3)),
      paths: ['idx:val#0', 'idx:val#1', 'idx:val#2'],
      indices: Int32Array.of(0, 1, 2),
      classNames: ['a', 'b'],
    };
    let written = -1;
    const sourceOf = (sample: number) => dataset.source(predictions.indices[sample]);
    await runAnalysis(runDir, predictions, {
      split: 'val',
      topK: 3,
      dataset,
      beforeReport: async (analysis) => {
        written = await writeTopLossCams(runDir, model, analysis.topLosses, { sourceOf, labelsMapping, file: 'test.ckpt', batchSize: 2 });
      },
    });
    assert.equal(written, 2);
    assert.equal(existsSync(join(runDir, 'analysis', 'cam', '0.png')), false, 'the unreadable image has no overlay');
    for (const rank of [1, 2]) {
      const meta = await sharp(join(runDir, 'analysis', 'cam', `${rank}.png`)).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', 128, 128], `rank ${rank}: sized like the thumbnails`);
    }
    const report = readFileSync(join(runDir, 'report.html'), 'utf8');
    assert.ok(report.includes('src="analysis/cam/1.png"') && report.includes('src="analysis/cam/2.png"'), 'the gallery shows the overlays');
    assert.ok(!report.includes('analysis/cam/0.png'));
    await assert.rejects(
      writeTopLossCams(runDir, model, [], { sourceOf, labelsMapping: {}, file: 'old.ckpt' }),
      (e: Error) => e instanceof ConfigError && /expected old\.ckpt to record the model's input size/.test(e.message),
    );
  } finally {
    model.dispose();
    rmSync(runDir, { recursive: true, force: true });
  }
});

void test("at fit end: overlays from the data module's preprocessing; a custom module or data without an input size is skipped with the reason", async () => {
  const runDir = mkdtempSync(join(tmpdir(), 'cam-fit-end-'));
  const model = resnet18({ numClasses: 2, stem: 'small' });
  const custom = new ClassificationModule(new Sequential(new Flatten(), new Linear(3 * 16 * 16, 2)), { numClasses: 2 });
  try {
    const image = createImage({ width: 16, height: 16, channels: 3, fill: [200, 30, 30] });
    const topLosses: TopLoss[] = [{ rank: 0, sample: 0, path: 'idx:val#0', trueClass: 'a', predicted: 'b', confidence: 0.9, loss: 2.3 }];
    const options = { sourceOf: () => image, method: 'gradcam++' as const };
    const dataModule = { labelsMappingOptions: () => labelsMapping };
    assert.equal(await fitEndTopLossCams(runDir, model, topLosses, { ...options, dataModule }), null);
    assert.equal((await sharp(join(runDir, 'analysis', 'cam', '0.png')).metadata()).width, 128);
    assert.equal(
      await fitEndTopLossCams(runDir, custom, topLosses, { ...options, dataModule }),
      'the model declares no Grad-CAM layer (camLayer)',
    );
    const unsized = {
      labelsMappingOptions: () => {
        throw new DataError('labels mapping: expected a known input size, but got none');
      },
    };
    assert.match(
      (await fitEndTopLossCams(runDir, model, topLosses, { ...options, dataModule: unsized })) ?? '',
      /expected a known input size/,
    );
  } finally {
    model.dispose();
    custom.dispose();
    rmSync(runDir, { recursive: true, force: true });
  }
});
