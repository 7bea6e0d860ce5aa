import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { dispose } from '../torch/memory.js';
import { ImageClassificationDataModule } from './datamodule.js';
import { coresPerRank, localWorldSize, resolveParallelism } from './parallelism.js';
import { makeTempDir } from './test-images.test-helper.js';
import { buildTransforms, ImagePipeline } from './transforms/pipeline.js';
import { WorkerPipeline } from './worker-pipeline.js';

const quiet = { onWarning: (): void => undefined };
const pipeline = (entries: unknown[]): ImagePipeline =>
  new ImagePipeline({ transforms: buildTransforms(entries), decode: { channels: 3 } });

void test('jsThreadSteps: what the JPEG decode fuses and batch-level steps are left out, the rest is named', () => {
  const fused = [
    { name: 'RandomResizedCrop', size: 8 },
    { name: 'RandomHorizontalFlip' },
    { name: 'ColorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4 },
    { name: 'Normalize' },
    { name: 'RandomErasing' },
  ];
  assert.deepEqual(pipeline(fused).jsThreadSteps('file'), []);
  const hue = [{ name: 'RandomResizedCrop', size: 8 }, { name: 'ColorJitter', hue: 0.1 }, { name: 'Normalize' }];
  assert.deepEqual(pipeline(hue).jsThreadSteps('file'), []);
  assert.deepEqual(pipeline(fused).jsThreadSteps('pixels'), ['RandomResizedCrop', 'RandomHorizontalFlip', 'ColorJitter']);
  assert.deepEqual(pipeline([{ name: 'ToTensor' }, { name: 'Normalize' }]).jsThreadSteps('pixels'), []);
  const trivial = [{ name: 'RandomResizedCrop', size: 8 }, { name: 'RandomHorizontalFlip' }, { name: 'TrivialAugmentWide' }];
  assert.deepEqual(pipeline(trivial).jsThreadSteps('file'), ['TrivialAugmentWide']);
  const evalRecipe = [
    { name: 'Resize', size: 8 },
    { name: 'CenterCrop', size: 6 },
    { name: 'RandomHorizontalFlip' },
    { name: 'Normalize' },
  ];
  assert.deepEqual(pipeline(evalRecipe).jsThreadSteps('file'), []);
  // A flip first is not fused: only a leading crop/resize opens the fused run.
  assert.deepEqual(pipeline([{ name: 'RandomHorizontalFlip' }, { name: 'Resize', size: 8 }]).jsThreadSteps('file'), [
    'RandomHorizontalFlip',
    'Resize',
  ]);
});

void test("resolveParallelism: 'auto' starts workers only for JavaScript work on files and scales with cores; numbers win", () => {
  const auto = { workers: 'auto', concurrency: 'auto' } as const;
  assert.deepEqual(resolveParallelism({ ...auto, jsThreadSteps: [], source: 'file', cores: 2 }), { workers: 0, concurrency: 16 });
  assert.deepEqual(resolveParallelism({ ...auto, jsThreadSteps: ['RandAugment'], source: 'file', cores: 2 }), {
    workers: 2,
    concurrency: 16,
  });
  assert.deepEqual(resolveParallelism({ ...auto, jsThreadSteps: ['RandAugment'], source: 'file', cores: 12 }), {
    workers: 12,
    concurrency: 48,
  });
  assert.deepEqual(resolveParallelism({ ...auto, jsThreadSteps: ['RandAugment'], source: 'file', cores: 64 }), {
    workers: 16,
    concurrency: 256,
  });
  assert.deepEqual(resolveParallelism({ ...auto, jsThreadSteps: ['RandomCrop'], source: 'pixels', cores: 8 }), {
    workers: 0,
    concurrency: 32,
  });
  assert.deepEqual(resolveParallelism({ workers: 0, concurrency: 5, jsThreadSteps: ['RandAugment'], source: 'file', cores: 8 }), {
    workers: 0,
    concurrency: 5,
  });
  assert.deepEqual(resolveParallelism({ workers: 3, concurrency: 'auto', jsThreadSteps: [], source: 'file', cores: 2 }), {
    workers: 3,
    concurrency: 16,
  });
});

void test("ranks sharing a machine split its cores: 'auto' counts each rank's share, at least 1", () => {
  assert.equal(localWorldSize({}), 1);
  assert.equal(localWorldSize({ LOCAL_WORLD_SIZE: '4' }), 4);
  for (const bad of ['0', '-2', '1.5', 'x', '']) assert.equal(localWorldSize({ LOCAL_WORLD_SIZE: bad }), 1, bad);
  assert.equal(coresPerRank(16, 1), 16);
  assert.equal(coresPerRank(16, 3), 5);
  assert.equal(coresPerRank(2, 2), 1);
  assert.equal(coresPerRank(2, 8), 1, 'never 0');
  const auto = { workers: 'auto', concurrency: 'auto', jsThreadSteps: ['RandAugment'], source: 'file' } as const;
  // 12 cores: one process takes 12 workers; 4 ranks take 3 each, 24 ranks 1 each.
  assert.deepEqual(resolveParallelism({ ...auto, cores: 12, localWorldSize: 1 }), { workers: 12, concurrency: 48 });
  assert.deepEqual(resolveParallelism({ ...auto, cores: 12, localWorldSize: 4 }), { workers: 3, concurrency: 16 });
  assert.deepEqual(resolveParallelism({ ...auto, cores: 12, localWorldSize: 24 }), { workers: 1, concurrency: 16 });
  assert.deepEqual(resolveParallelism({ ...auto, cores: 64, localWorldSize: 2 }), { workers: 16, concurrency: 128 });
  assert.deepEqual(resolveParallelism({ ...auto, jsThreadSteps: [], cores: 64, localWorldSize: 2 }), { workers: 0, concurrency: 128 });
  // Numbers in the options are taken as they are.
  assert.deepEqual(resolveParallelism({ ...auto, workers: 6, concurrency: 7, cores: 12, localWorldSize: 4 }), {
    workers: 6,
    concurrency: 7,
  });
});

/** Noisy JPEGs (solid colours would hide a wrong crop or a skipped op). */
async function writeNoisyFolder(root: string, count: number): Promise<void> {
  let state = 12345;
  for (let i = 0; i < count; i++) {
    const [w, h] = [40 + 3 * i, 30 + 2 * i];
    const pixels = Buffer.alloc(w * h * 3);
    for (let k = 0; k < pixels.length; k++) {
      state = (state * 1103515245 + 12345) >>> 0;
      pixels[k] = (state >>> 16) & 255;
    }
    const file = path.join(root, 'train', i % 2 === 0 ? 'ant' : 'bee', `${i}.jpg`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      file,
      await sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
  }
}

void test('the data module picks workers by itself for TrivialAugmentWide, and its batches equal the main-thread ones', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeNoisyFolder(root, 12);
  const trainTransforms = [
    { name: 'RandomResizedCrop', size: 16 },
    { name: 'RandomHorizontalFlip' },
    { name: 'TrivialAugmentWide' },
    { name: 'Normalize' },
  ];
  const read = async (workers?: number): Promise<{ dm: ImageClassificationDataModule; values: number[][] }> => {
    const dm = new ImageClassificationDataModule(
      {
        root,
        batchSize: 5,
        valFraction: 0,
        trainTransforms,
        seed: 7,
        ...(workers === undefined ? {} : { workers }),
      },
      quiet,
    );
    await dm.setup('fit');
    const values: number[][] = [];
    for (const epoch of [0, 1]) {
      for (const batch of await dm.trainLoader().toArray(epoch)) {
        values.push([...batch.indices], Array.from(batch.images.data() as Float32Array));
        dispose(batch);
      }
    }
    await dm.close();
    return { dm, values };
  };
  const auto = await read();
  assert.ok(auto.dm.pipelines.train instanceof WorkerPipeline, 'auto chose worker threads');
  assert.ok(auto.dm.parallelism.workers >= 1);
  const main = await read(0);
  assert.ok(main.dm.pipelines.train instanceof ImagePipeline);
  assert.equal(main.dm.parallelism.workers, 0);
  assert.equal(auto.values.length, main.values.length);
  auto.values.forEach((v, i) => assert.deepEqual(v, main.values[i], `batch part ${i}`));
});

void test("the data module keeps to the main thread when the decode fuses every step ('auto')", async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeNoisyFolder(root, 2);
  const dm = new ImageClassificationDataModule({ root, valFraction: 0 }, quiet);
  await dm.setup('fit');
  assert.ok(dm.pipelines.train instanceof ImagePipeline);
  assert.equal(dm.parallelism.workers, 0);
  assert.ok(dm.parallelism.concurrency >= 16);
});
