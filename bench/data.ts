/**
 * `npm run bench:data`: images per second of a training input pipeline
 * (decode, RandomResizedCrop 224, horizontal flip, ColorJitter(0.4, 0.4, 0.4),
 * normalize, batches of 64) for this project's DataLoader and for
 * torchvision's ImageFolder + DataLoader with the same number of workers,
 * in the same run, on a JPEG folder built under .bench/ from Fashion-MNIST
 * (upscaled to 256x256 RGB) or from generated images when it is missing.
 *
 * Options: --workers N (default: available cores), --images N (default 2000),
 * --epochs N (default 2; the best epoch counts), --skip-torchvision.
 *
 * @example
 * npm run bench:data -- --workers 4
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { mapLimit } from '../src/data/async-limiter.js';
import { DataLoader } from '../src/data/data-loader.js';
import { FASHION_MNIST_DIR, IdxDataset } from '../src/data/datasets/idx-dataset.js';
import { ImageFolder } from '../src/data/datasets/image-folder.js';
import { WorkerPipeline } from '../src/data/worker-pipeline.js';
import { buildTransforms, ImagePipeline } from '../src/data/transforms/pipeline.js';
import { dispose } from '../src/torch/memory.js';
import { setNumThreads } from '../src/torch/runtime.js';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: String(availableParallelism()) },
    images: { type: 'string', default: '2000' },
    epochs: { type: 'string', default: '2' },
    'skip-torchvision': { type: 'boolean', default: false },
  },
});
const workers = Number(values.workers);
const imageCount = Number(values.images);
const epochs = Number(values.epochs);
const root = path.resolve('.bench', `fmnist-jpeg-${imageCount}`);

/** Writes `count` 256x256 RGB JPEGs under root/train/<class>/, once. */
async function buildFolder(): Promise<void> {
  const marker = path.join(root, '.complete');
  if (existsSync(marker)) return;
  const source = existsSync(FASHION_MNIST_DIR) ? await IdxDataset.load({ dir: FASHION_MNIST_DIR, split: 'train' }) : null;
  console.log(`building ${imageCount} JPEGs in ${root} from ${source ? 'Fashion-MNIST' : 'generated images'} ...`);
  await mapLimit(Array.from({ length: imageCount }, (_, i) => i), 8, async (i) => {
    const label = source ? source.targets[i] : i % 10;
    const dir = path.join(root, 'train', `class-${label}`);
    await mkdir(dir, { recursive: true });
    const pipeline = source
      ? sharp(source.source(i).data, { raw: { width: 28, height: 28, channels: 1 } }).resize(256, 256, { kernel: 'lanczos3' }).toColourspace('srgb')
      : sharp({ create: { width: 256, height: 256, channels: 3, background: { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 } } }).blur(1 + (i % 5));
    const jpeg = await pipeline.jpeg({ quality: 90 }).toBuffer();
    await writeFile(path.join(dir, `${i}.jpg`), jpeg);
  });
  await writeFile(marker, '');
}

const TRAIN_TRANSFORMS = [
  { name: 'RandomResizedCrop', size: 224 },
  { name: 'RandomHorizontalFlip' },
  { name: 'ColorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4 },
  { name: 'Normalize' },
];

/** One loader run per epoch; the best epoch's rate. `threads`: worker threads, 0 for the in-thread pipeline. */
async function benchOurs(threads: number): Promise<{ imagesPerSecond: number; epochs: number[] }> {
  const dataset = await ImageFolder.load({ root, split: 'train' });
  const decode = { channels: 3 as const };
  const pipeline = threads > 0 ? new WorkerPipeline({ transforms: TRAIN_TRANSFORMS, decode, workers: threads }) : new ImagePipeline({ transforms: buildTransforms(TRAIN_TRANSFORMS), decode });
  const loader = new DataLoader({ dataset, batchSize: 64, shuffle: true, seed: 0, concurrency: Math.max(2, 2 * workers), prefetch: 2, pipeline });
  const rates: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const start = performance.now();
    let count = 0;
    for await (const batch of loader.epoch(e)) {
      count += batch.indices.length;
      dispose(batch);
    }
    rates.push(count / ((performance.now() - start) / 1000));
  }
  if (pipeline instanceof WorkerPipeline) await pipeline.close();
  return { imagesPerSecond: Math.max(...rates), epochs: rates };
}

function benchTorchvision(): { imagesPerSecond: number; epochs: number[] } {
  const script = path.resolve('bench', 'data_torchvision.py');
  const out = execFileSync('/usr/bin/python3', [script, '--root', root, '--workers', String(workers), '--epochs', String(epochs)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}');
}

await buildFolder();
setNumThreads(1); // the loader's tensor work is small; keep libtorch off the decode threads
console.log(`data pipeline benchmark: ${imageCount} JPEGs 256x256, RandomResizedCrop 224 + flip + ColorJitter(0.4, 0.4, 0.4) + normalize, batch 64, ${workers} worker(s), sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}`);
const format = (r: { imagesPerSecond: number; epochs: number[] }): string => `${r.imagesPerSecond.toFixed(1)} images/s (epochs: ${r.epochs.map((x) => x.toFixed(1)).join(', ')})`;
const inThread = await benchOurs(0);
console.log(`classifier-training DataLoader, in-thread pipeline: ${format(inThread)}`);
const threaded = await benchOurs(workers);
console.log(`classifier-training DataLoader, ${workers} worker thread(s): ${format(threaded)}`);
const ours = inThread.imagesPerSecond > threaded.imagesPerSecond ? inThread : threaded;
if (!values['skip-torchvision']) {
  const tv = benchTorchvision();
  console.log(`torchvision ImageFolder + DataLoader, ${workers} worker(s): ${format(tv)}`);
  console.log(`ratio (our best / torchvision): ${(ours.imagesPerSecond / tv.imagesPerSecond).toFixed(2)}x (target >= 2x)`);
}
