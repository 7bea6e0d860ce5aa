import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../errors.js';
import { registry } from '../registry.js';
import { dispose } from '../torch/memory.js';
import './data-formats.js';
import { ImageClassificationDataModule } from './datamodule.js';
import type { DataModuleInput } from './datamodule-options.js';
import { encodeIdx } from './datasets/idx-dataset.js';
import { WeightedRandomSampler } from './samplers/weighted-random-sampler.js';
import { makeTempDir, writeSolidImage, writeText } from './test-images.test-helper.js';

const quiet = { onWarning: () => undefined };
/** As the run builder builds it: `multiLabel` a runtime argument beside the config's options. */
const build = (format: string, options: Record<string, unknown>, multiLabel?: boolean): ImageClassificationDataModule =>
  registry.build<ImageClassificationDataModule>('data_format', format, options, multiLabel === undefined ? {} : { multiLabel });
const make = (options: DataModuleInput): ImageClassificationDataModule => new ImageClassificationDataModule(options, quiet);

/** An IDX folder of `n` 2x2 images, image i filled with i + 1, class i % 3. */
async function idxFolder(t: { after: (fn: () => Promise<void>) => void }, n: number): Promise<string> {
  const dir = await makeTempDir();
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeText(
    path.join(dir, 'train-images-idx3-ubyte'),
    encodeIdx(
      [n, 2, 2],
      Uint8Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4) + 1),
    ),
  );
  await writeText(
    path.join(dir, 'train-labels-idx1-ubyte'),
    encodeIdx(
      [n],
      Uint8Array.from({ length: n }, (_, i) => i % 3),
    ),
  );
  return dir;
}

/** The batch's labels as rows, and the multi-hot rows its samples' label sets give. */
function labelRows(dm: ImageClassificationDataModule, batch: { labels: { toArray(): unknown }; indices: number[] }) {
  const sets = dm.train?.labelSets ?? [];
  const expected = batch.indices.map((i) => Array.from({ length: dm.numClasses }, (_, c) => (sets[i].includes(c) ? 1 : 0)));
  return { got: batch.labels.toArray() as number[][], expected };
}

void test('the mosaic format gives multi-hot float32 [B, C] batches of 2x2 mosaics, and refuses a single-label run', async (t) => {
  const dir = await idxFolder(t, 12);
  const dm = build('mosaic', { root: dir, batchSize: 4, valFraction: 0.25 }, true);
  await dm.setup('fit');
  assert.equal(dm.multiLabel, true);
  assert.equal(dm.channels, 1);
  assert.equal((dm.train?.length ?? 0) + (dm.val?.length ?? 0), 12);
  const batches = await dm.trainLoader().toArray(0);
  for (const batch of batches) {
    assert.deepEqual(batch.images.shape, [batch.indices.length, 1, 4, 4]);
    assert.equal(batch.labels.dtype, 'float32');
    const { got, expected } = labelRows(dm, batch);
    assert.deepEqual(got, expected);
  }
  dispose(batches);
  assert.deepEqual(dm.labelsMappingOptions().inputSize, [1, 4, 4]);
  assert.ok(dm.positiveWeights().every((w) => w > 0));
  const single = build('mosaic', { root: dir });
  await assert.rejects(single.setup('fit'), (e: unknown) => e instanceof DataError && /set task=multilabel/.test(e.message));
});

void test('a multi-label CSV data set is detected, and MixUp mixes its multi-hot targets', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const sets = ['cat|dog', '', 'dog', 'bird|cat|dog'];
  for (let i = 0; i < 4; i++) await writeSolidImage(path.join(root, `img/${i}.png`), { color: [i * 60, 0, 0] });
  await writeText(path.join(root, 'train.csv'), ['path,labels', ...sets.map((s, i) => `img/${i}.png,${s}`)].join('\n'));
  await writeText(path.join(root, 'val.csv'), 'path,labels\nimg/0.png,bird\n');
  const transforms = [{ name: 'Resize', size: [4, 4] }, { name: 'Normalize' }];
  const options = { root, batchSize: 4, trainTransforms: transforms, evalTransforms: transforms, multiLabel: true };
  const dm = make({ ...options, batchMix: { mixup: { alpha: 0.4 } } });
  await dm.setup('fit');
  assert.equal(dm.format, 'csv');
  assert.deepEqual(dm.idxToClass, ['bird', 'cat', 'dog']);
  assert.deepEqual(dm.train?.labelSets, [[1, 2], [], [2], [0, 1, 2]]);
  assert.equal(dm.val?.length, 1);
  const [mixed] = await dm.trainLoader({ seed: 5 }).toArray(0);
  const plain = make(options);
  await plain.setup('fit');
  const [batch] = await plain.trainLoader({ seed: 5 }).toArray(0);
  assert.deepEqual(mixed.indices, batch.indices);
  const { got, expected } = labelRows(plain, batch);
  assert.deepEqual(got, expected);
  // Each row is λ·y_i + (1-λ)·y_(i-1) for one λ: find λ from a position where the two differ.
  const y = expected;
  const m = mixed.labels.toArray() as number[][];
  const at = [0, 1, 2, 3].flatMap((i) => [0, 1, 2].map((c) => [i, c])).find(([i, c]) => y[i][c] === 1 && y[(i + 3) % 4][c] === 0)!;
  const lambda = m[at[0]][at[1]];
  assert.ok(lambda > 0 && lambda < 1, `λ ${lambda}`);
  for (let i = 0; i < 4; i++)
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(m[i][c] - (lambda * y[i][c] + (1 - lambda) * y[(i + 3) % 4][c])) < 1e-6, `${i},${c}`);
  dispose([mixed, batch]);
});

void test('a multi-label run reads a folder as one-label sets; the weighted sampler lifts rare labels', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  for (let i = 0; i < 5; i++) await writeSolidImage(path.join(root, `train/${i < 4 ? 'ant' : 'bee'}/${i}.png`), { color: [0, 0, 0] });
  const dm = make({ root, format: 'folder', valFraction: 0, sampler: 'weighted', multiLabel: true });
  await dm.setup('fit');
  assert.deepEqual(dm.train?.labelSets, [[0], [0], [0], [0], [1]]);
  const sampler = dm.trainLoader().sampler;
  assert.ok(sampler instanceof WeightedRandomSampler);
  const drawn = sampler.indices(0);
  assert.equal(drawn.length, 5);
  let bee = 0;
  for (let e = 0; e < 200; e++) bee += sampler.indices(e).filter((i) => i === 4).length;
  assert.ok(Math.abs(bee / 1000 - 0.5) < 0.06, `bee drawn ${bee} of 1000`);
  const csv = make({ root, format: 'csv' });
  await assert.rejects(csv.setup('fit'), /expected train\.csv under/);
});
