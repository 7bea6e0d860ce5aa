import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../errors.js';
import { dispose, memory, tidy } from '../torch/memory.js';
import { DataLoader } from './data-loader.js';
import type { Batch, BatchPipeline } from './data-loader.js';
import { ImageFolder } from './datasets/image-folder.js';
import { IdxDataset } from './datasets/idx-dataset.js';
import type { RawImage } from './image.js';
import type { Rng } from './random.js';
import { makeTempDir, writeSolidImage, writeText } from './test-images.test-helper.js';
import { buildTransforms, ImagePipeline } from './transforms/pipeline.js';

/** 20 one-channel 2x2 images whose pixels encode their index. */
function tinyIdx(): IdxDataset {
  const n = 20;
  const data = Buffer.from(Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4) * 10 + (i % 4)));
  return new IdxDataset({
    images: { dims: [n, 2, 2], data },
    labels: { dims: [n], data: Buffer.from(Array.from({ length: n }, (_, i) => i % 3)) },
  });
}

/** Adds an rng-drawn offset to every pixel, after a random delay so completion order scrambles. */
const noisyPipeline: BatchPipeline = {
  normalize: null,
  erasing: null,
  async run(source, rng: Rng): Promise<RawImage> {
    const image = source as RawImage;
    const offset = rng.int(0, 50);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    return { ...image, data: Buffer.from(image.data.map((v) => v + offset)) };
  },
};

async function snapshot(loader: DataLoader, epoch: number): Promise<{ images: number[][]; labels: number[][]; indices: number[][] }> {
  const batches = await loader.toArray(epoch);
  const out = {
    images: batches.map((b) => Array.from(b.images.data() as Float32Array)),
    labels: batches.map((b) => Array.from(b.labels.data() as BigInt64Array, (v) => Number(v))),
    indices: batches.map((b) => b.indices),
  };
  dispose(batches);
  return out;
}

void test('same seed gives the same batches for concurrency 1 and 4', async () => {
  const dataset = tinyIdx();
  const make = (concurrency: number, seed = 5): DataLoader =>
    new DataLoader({ dataset, batchSize: 6, shuffle: true, seed, concurrency, prefetch: 2, pipeline: noisyPipeline });
  const a = await snapshot(make(1), 1);
  const b = await snapshot(make(4), 1);
  assert.deepEqual(a, b);
  assert.equal(a.indices.length, 4);
  assert.deepEqual(
    a.indices.flat().sort((x, y) => x - y),
    Array.from({ length: 20 }, (_, i) => i),
  );
  assert.deepEqual(
    a.labels.flat(),
    a.indices.flat().map((i) => i % 3),
  );
  assert.notDeepEqual((await snapshot(make(4), 2)).indices, a.indices);
  assert.notDeepEqual((await snapshot(make(4, 6), 1)).images, a.images);
});

void test('collate normalizes like ToTensor + Normalize and honours dropLast and channels-last', async () => {
  const dataset = tinyIdx();
  const before = memory().liveTensors;
  const loader = new DataLoader({
    dataset,
    batchSize: 8,
    dropLast: true,
    decode: { channels: 3 },
    normalize: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] },
    channelsLast: true,
  });
  assert.equal(loader.length, 2);
  const batches: Batch[] = await loader.toArray(0);
  assert.equal(batches.length, 2);
  const { images, labels } = batches[1];
  assert.deepEqual(images.shape, [8, 3, 2, 2]);
  assert.equal(images.dtype, 'float32');
  assert.equal(labels.dtype, 'int64');
  assert.ok(images.isContiguous('channelsLast'));
  assert.deepEqual(images.strides(), [12, 1, 6, 3]);
  // torchvision: (float32(v) / 255 - mean[c]) / std[c] in float32; sample 9, channel 1, pixel (1, 0) holds 92.
  const f = Math.fround;
  const expected = f(f(f(92 / 255) - f(0.4)) / f(0.25));
  const value = tidy(() => images.select(0, 1).select(0, 1).select(0, 1).select(0, 0).item());
  assert.ok(Math.abs(value - expected) < 1e-6, `${value} vs ${expected}`);
  dispose(batches);
  const plain = await new DataLoader({ dataset, batchSize: 32 }).toArray(0);
  assert.deepEqual(plain[0].images.shape, [20, 1, 2, 2]);
  assert.ok(plain[0].images.isContiguous());
  assert.equal(
    tidy(() => plain[0].images.select(0, 3).select(0, 0).select(0, 1).select(0, 1).item()),
    f(33 / 255),
  );
  dispose(plain);
  assert.equal(memory().liveTensors, before);
});

void test('skip policy drops unreadable files with a warning and aborts past maxSkipFraction', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  for (let i = 0; i < 6; i++) await writeSolidImage(path.join(root, `train/c${i % 2}/${i}.png`), { color: [i * 40, 0, 0] });
  await writeText(path.join(root, 'train/c0/broken.png'), 'not a png');
  const dataset = await ImageFolder.load({ root, split: 'train' });
  const broken = dataset.paths.findIndex((p) => p.endsWith('broken.png'));
  const warnings: string[] = [];
  const loader = new DataLoader({ dataset, batchSize: 4, badFiles: 'skip', maxSkipFraction: 0.2, onWarning: (m) => warnings.push(m) });
  const batches = await loader.toArray(0);
  assert.deepEqual(
    batches.map((b) => b.images.shape[0]),
    [3, 3],
  );
  assert.ok(!batches.flatMap((b) => b.indices).includes(broken));
  assert.deepEqual(loader.lastEpochSkipped, [dataset.paths[broken]]);
  assert.ok(warnings.some((w) => w.includes('broken.png')));
  assert.ok(warnings.some((w) => /skipped 1 unreadable file\(s\) of 7 in epoch 0/.test(w)));
  dispose(batches);
  const strict = new DataLoader({ dataset, batchSize: 4, badFiles: 'skip', maxSkipFraction: 0.1, onWarning: () => undefined });
  await assert.rejects(strict.toArray(0), /at most 10% unreadable/);
  await assert.rejects(
    new DataLoader({ dataset, batchSize: 4 }).toArray(0),
    (e: unknown) => e instanceof DataError && e.message.includes('broken.png'),
  );
});

void test('the real transform pipeline is deterministic across concurrency, with the cache on', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  for (let i = 0; i < 8; i++)
    await writeSolidImage(path.join(root, `train/c${i % 2}/${i}.jpg`), { color: [i * 30, 255 - i * 30, 90], width: 12, height: 10 });
  const dataset = await ImageFolder.load({ root, split: 'train' });
  const pipeline = new ImagePipeline({
    transforms: buildTransforms([
      { name: 'RandomResizedCrop', size: 8 },
      { name: 'RandomHorizontalFlip' },
      { name: 'ColorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4 },
      { name: 'Normalize' },
    ]),
    decode: { channels: 3 },
  });
  const make = (concurrency: number, cache: number): DataLoader =>
    new DataLoader({ dataset, batchSize: 3, shuffle: true, seed: 1, concurrency, pipeline, cache });
  const a = await snapshot(make(1, 0), 0);
  const cached = make(4, 1 << 20);
  const b = await snapshot(cached, 0);
  const c = await snapshot(cached, 0); // served from the cache
  assert.equal(cached.cache?.stats().entries, 8);
  assert.deepEqual(b.indices, a.indices);
  assert.deepEqual(c, b);
  assert.deepEqual(
    a.images.map((x) => x.length),
    [3 * 192, 3 * 192, 2 * 192],
  );
});
