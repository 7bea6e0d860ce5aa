import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { dispose } from '../torch/memory.js';
import { DataLoader } from './data-loader.js';
import { ImageFolder } from './datasets/image-folder.js';
import { makeTempDir, writeSolidImage } from './test-images.test-helper.js';
import { buildTransforms, ImagePipeline } from './transforms/pipeline.js';
import { WorkerPipeline } from './worker-pipeline.js';

void test("WorkerPipeline gives the in-thread pipeline's batches bit for bit", async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  for (let i = 0; i < 6; i++)
    await writeSolidImage(path.join(root, `train/c${i % 2}/${i}.png`), { color: [i * 40, 200 - i * 30, 60], width: 10, height: 9 });
  const dataset = await ImageFolder.load({ root, split: 'train' });
  const entries = [
    { name: 'RandomResizedCrop', size: 6 },
    { name: 'RandomHorizontalFlip' },
    { name: 'ColorJitter', brightness: 0.4, saturation: 0.4 },
    { name: 'Normalize' },
  ];
  const decode = { channels: 3 as const };
  const workers = new WorkerPipeline({ transforms: entries, decode, workers: 2 });
  t.after(() => workers.close());
  const read = async (pipeline: ImagePipeline | WorkerPipeline, loader?: DataLoader): Promise<number[]> => {
    const batches = await (loader ?? new DataLoader({ dataset, batchSize: 4, shuffle: true, seed: 3, concurrency: 3, pipeline })).toArray(
      1,
    );
    const values = batches.flatMap((b) => Array.from(b.images.data() as Float32Array));
    dispose(batches);
    return values;
  };
  const expected = await read(new ImagePipeline({ transforms: buildTransforms(entries), decode }));
  assert.deepEqual(await read(workers), expected);
  // Cached pixels go to the workers without a defensive copy: the cache must stay untouched.
  const cached = new DataLoader({ dataset, batchSize: 4, shuffle: true, seed: 3, concurrency: 3, pipeline: workers, cache: 1 << 20 });
  assert.deepEqual(await read(workers, cached), expected);
  assert.deepEqual(await read(workers, cached), expected);
  assert.equal(cached.cache?.stats().entries, 6);
});
