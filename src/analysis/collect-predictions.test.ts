import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader } from '../data/data-loader.js';
import type { ImageDataset } from '../data/dataset.js';
import * as torch from '../torch/index.js';
import { Flatten, Linear, Sequential } from '../torch/nn/index.js';
import { collectPredictions } from './collect-predictions.js';
import { PredictionCollector } from './predictions.js';
import { ShapeError } from '../errors.js';

torch.setNumThreads(1);

/** Seven 2x2 RGB images in memory, three classes. */
function dataset(): ImageDataset {
  const pixels = Array.from({ length: 7 }, (_, i) => Buffer.from(Array.from({ length: 12 }, (_, p) => (i * 53 + p * 29) % 256)));
  return {
    length: 7,
    classes: ['cat', 'dog', 'fox'],
    targets: Int32Array.of(0, 1, 2, 0, 1, 2, 2),
    source: (i) => ({ data: pixels[i], width: 2, height: 2, channels: 3 }),
    describe: (i) => `idx:val#${i}`,
  };
}

/** A linear classifier as a module with class names, in training mode. */
function model(): Sequential & { classNames?: readonly string[] } {
  torch.manualSeed(3);
  return new Sequential(new Flatten(), new Linear(12, 3));
}

test("collectPredictions: softmax probabilities and per-sample cross-entropy equal libtorch's, in data-set order, in eval mode, memory released", async () => {
  const ds = dataset();
  const loader = new DataLoader({ dataset: ds, batchSize: 3, prefetch: 1 });
  const module = model();
  const expected: { probs: number[]; losses: number[] } = { probs: [], losses: [] };
  for await (const batch of loader.epoch(0)) {
    torch.tidy(() =>
      torch.noGrad(() => {
        const logits = module.forward(batch.images);
        expected.probs.push(...(logits.softmax(1).data() as Float32Array));
        expected.losses.push(...(torch.crossEntropy(logits, batch.labels, { reduction: 'none' }).data() as Float32Array));
      }),
    );
    batch.images.dispose();
    batch.labels.dispose();
  }
  const modes: boolean[] = [];
  const forward = module.forward.bind(module);
  module.forward = (x) => (modes.push(module.training), forward(x));
  const before = torch.memory().liveTensors;
  const p = await collectPredictions(module, loader);
  assert.deepEqual(modes, [false, false, false], 'every batch in eval mode');
  assert.equal(torch.memory().liveTensors, before, 'no tensor left behind');
  assert.equal(module.training, true, 'the training mode is given back');
  assert.deepEqual(p.classNames, ['cat', 'dog', 'fox'], "the data set's names when the module has none");
  assert.deepEqual(Array.from(p.targets), Array.from(ds.targets));
  assert.deepEqual(Array.from(p.indices), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(p.paths, ['idx:val#0', 'idx:val#1', 'idx:val#2', 'idx:val#3', 'idx:val#4', 'idx:val#5', 'idx:val#6']);
  assert.equal(p.probs.length, 21);
  for (let i = 0; i < 21; i++) assert.ok(Math.abs(p.probs[i] - expected.probs[i]) < 1e-6, `prob ${i}`);
  for (let i = 0; i < 7; i++)
    assert.ok(Math.abs(p.losses[i] - expected.losses[i]) < 1e-5, `loss ${i}: ${p.losses[i]} vs ${expected.losses[i]}`);
  module.dispose();
});

test('collectPredictions: probsOf replaces the softmax (test-time augmentation); class names from the options', async () => {
  const module = model();
  const seen: number[] = [];
  const p = await collectPredictions(module, new DataLoader({ dataset: dataset(), batchSize: 4 }), {
    probsOf: (images) => {
      seen.push(images.shape[0]);
      return torch.tensor(
        new Float32Array(images.shape[0] * 3).fill(0.25).map((v, i) => (i % 3 === 0 ? 0.5 : v)),
        {
          shape: [images.shape[0], 3],
        },
      );
    },
    classNames: ['a', 'b', 'c'],
  });
  assert.deepEqual(seen, [4, 3]);
  assert.deepEqual(p.classNames, ['a', 'b', 'c']);
  assert.ok(Math.abs(p.losses[0] - Math.log(2)) < 1e-6 && Math.abs(p.losses[1] - Math.log(4)) < 1e-6);
  assert.ok(Math.abs(p.probs[0] - 0.5) < 1e-7);
  module.dispose();
});

test('PredictionCollector: batches join in order; an unlabelled sample has no loss; a batch of the wrong size is refused', () => {
  const collector = new PredictionCollector(2);
  collector.add([Math.log(0.25), Math.log(0.75)], [1], [4]);
  collector.add([Math.log(0.5), Math.log(0.5), 0, -50], BigInt64Array.of(-1n, 0n), [2, 0]);
  const p = collector.finish(dataset(), ['x', 'y']);
  assert.deepEqual(Array.from(p.targets), [1, -1, 0]);
  assert.deepEqual(Array.from(p.indices), [4, 2, 0]);
  assert.deepEqual(p.paths, ['idx:val#4', 'idx:val#2', 'idx:val#0']);
  assert.ok(Math.abs(p.losses[0] + Math.log(0.75)) < 1e-6 && Number.isNaN(p.losses[1]) && p.losses[2] === 0);
  assert.ok(Math.abs(p.probs[1] - 0.75) < 1e-7);
  assert.throws(
    () => collector.add([0, 0, 0], [0, 1], [0, 1]),
    (e: Error) => e instanceof ShapeError && /expected 2 x 2 log-probabilities/.test(e.message),
  );
});
