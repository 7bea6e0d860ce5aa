import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as torch from '../../torch/index.js';
import { Linear, Sequential } from '../../torch/nn/index.js';
import { ClassificationModule } from '../../models/classification-module.js';
import { registry } from '../../registry.js';
import { fakeTrainer, ImageRecorder } from './fake-trainer.test-helper.js';
import { SampleVisualization } from './sample-visualization.js';

const NORMALIZE = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] };

/** Batch b: image i is one flat colour (distinct per image), normalized; logits favour class (i + b) % 3. */
function batch(b: number, size: number): { images: torch.Tensor; labels: torch.Tensor; logits: torch.Tensor; colours: number[][] } {
  const colours = Array.from({ length: size }, (_, i) => [(i * 40 + b * 7) % 256, (255 - i * 30) % 256, (i * 90) % 256]);
  const values = new Float32Array(size * 3 * 6 * 5);
  colours.forEach((rgb, i) =>
    rgb.forEach((v, c) => values.fill((v / 255 - NORMALIZE.mean[c]) / NORMALIZE.std[c], (i * 3 + c) * 30, (i * 3 + c + 1) * 30)),
  );
  const logits = Array.from({ length: size }, (_, i) => [0, 1, 2].map((k) => (k === (i + b) % 3 ? 3 : 0)));
  return {
    images: torch.tensor(values, { shape: [size, 3, 6, 5] }),
    labels: torch.tensor(new BigInt64Array(size).fill(1n), { shape: [size] }),
    logits: torch.tensor(new Float32Array(logits.flat()), { shape: [size, 3] }),
    colours,
  };
}

test('SampleVisualization keeps the first N images, un-normalized, and draws the grid at the end of validation', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'samples-'));
  const module = new ClassificationModule(new Sequential(new Linear(2, 3)), { numClasses: 3, classNames: ['a', 'b', 'c'] });
  try {
    const logger = new ImageRecorder();
    const trainer = fakeTrainer({ runDir, loggers: [logger] });
    const callback = new SampleVisualization({ numSamples: 5, columns: 5, tileSize: 40, normalize: NORMALIZE });
    callback.onValidationEpochStart();
    const before = torch.memory().liveTensors;
    const colours: number[][] = [];
    for (let b = 0; b < 3; b++) {
      const data = batch(b, 3);
      callback.onValidationBatchEnd(trainer, module, {
        batch: { images: data.images, labels: data.labels },
        batchIdx: b,
        logits: data.logits,
      });
      colours.push(...data.colours);
      for (const t of [data.images, data.labels, data.logits]) t.dispose();
    }
    assert.equal(torch.memory().liveTensors, before, 'no tensor kept past the hook');
    await callback.onValidationEnd(trainer, module);

    const { data, info } = await sharp(join(runDir, 'plots', 'samples.png'))
      .raw()
      .toBuffer({ resolveWithObject: true });
    // 5 columns of (40 + 8) + 8; one row of 40 + caption 32 + 8, + 8.
    assert.deepEqual([info.width, info.height], [5 * 48 + 8, 88]);
    for (let k = 0; k < 5; k++) {
      const at = (8 + 20) * info.width + 8 + k * 48 + 20; // the middle of tile k
      const pixel = [...data.subarray(at * info.channels, at * info.channels + 3)];
      pixel.forEach((v, c) => assert.ok(Math.abs(v - colours[k][c]) <= 1, `tile ${k} channel ${c}: ${v} vs ${colours[k][c]}`));
      // Label 1 ('b'); prediction (i + b) % 3 for image i of batch b: wrong tiles have a red frame one pixel outside the image.
      const frame = ((8 - 1) * info.width + 8 + k * 48 + 20) * info.channels;
      const red = data[frame] > 180 && data[frame + 1] < 90 && data[frame + 2] < 90;
      const pred = ((k % 3) + Math.floor(k / 3)) % 3;
      assert.equal(red, pred !== 1, `tile ${k} frame`);
    }
    assert.deepEqual(
      logger.images.map((i) => i.tag),
      ['val/samples'],
    );
  } finally {
    module.dispose();
    await rm(runDir, { recursive: true, force: true });
  }
});

test('SampleVisualization collects nothing during the sanity check', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'samples-'));
  const module = new ClassificationModule(new Sequential(new Linear(2, 3)), { numClasses: 3 });
  try {
    const trainer = fakeTrainer({ runDir, sanityChecking: true });
    const callback = new SampleVisualization();
    const data = batch(0, 2);
    callback.onValidationBatchEnd(trainer, module, {
      batch: { images: data.images, labels: data.labels },
      batchIdx: 0,
      logits: data.logits,
    });
    for (const t of [data.images, data.labels, data.logits]) t.dispose();
    await callback.onValidationEnd(fakeTrainer({ runDir }), module);
    await assert.rejects(stat(join(runDir, 'plots')), { code: 'ENOENT' });
  } finally {
    module.dispose();
    await rm(runDir, { recursive: true, force: true });
  }
});

test('SampleVisualization is registered with its options schema', () => {
  assert.equal(registry.build<SampleVisualization>('callback', 'sample_visualization', {}).options.numSamples, 16);
  assert.throws(() => registry.build('callback', 'sample_visualization', { numSamples: 0 }), /callback\.sample_visualization\.numSamples/);
});
