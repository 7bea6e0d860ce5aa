/**
 * One timed run of each loader in `npm run bench:data`: ours on the main
 * thread, ours with worker threads, ours with its RAM cache of decoded
 * images, and torchvision's ImageFolder + DataLoader (bench/data_torchvision.py,
 * a separate Python process). Every run builds its loader afresh and times
 * whole epochs; the best epoch counts (for the cached run, the best epoch
 * after the first, which fills the cache).
 *
 * @example
 * const result = await runOurs({ root, mode: 'workers', workers: 2, epochs: 2 });
 * result.imagesPerSecond;
 */
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DataLoader } from '../src/data/data-loader.js';
import { ImageFolder } from '../src/data/datasets/image-folder.js';
import { ImageCache } from '../src/data/image-cache.js';
import { resolveParallelism } from '../src/data/parallelism.js';
import { buildTransforms, ImagePipeline } from '../src/data/transforms/pipeline.js';
import { WorkerPipeline } from '../src/data/worker-pipeline.js';
import { dispose } from '../src/torch/memory.js';

/** The training pipeline (bench/data_torchvision.py runs the same). */
export const TRAIN_TRANSFORMS: readonly unknown[] = [
  { name: 'RandomResizedCrop', size: 224 },
  { name: 'RandomHorizontalFlip' },
  { name: 'ColorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4 },
  { name: 'Normalize' },
];

/** Images per second of the counted epochs, every epoch's rate, and what the cache held. */
export interface RunResult {
  imagesPerSecond: number;
  /** Rates of all epochs, the uncounted warm-up one included. */
  epochs: number[];
  /** CPU time of the whole process (every thread; for torchvision, its worker processes too) per image, over the counted epochs. */
  cpuMsPerImage: number;
  /** Worker threads (ours) or processes (torchvision) used. */
  workers?: number;
  cache?: { entries: number; bytes: number };
}

/**
 * How our loader runs: with the data module's default settings (`auto`: worker threads and
 * concurrency as `resolveParallelism` chooses them), transforms on the main thread, in worker
 * threads, or either with the RAM cache.
 */
export type OursMode = 'auto' | 'main' | 'workers' | 'cached-main' | 'cached-workers';

/** Options for `runOurs`. */
export interface RunOursOptions {
  root: string;
  mode: OursMode;
  workers: number;
  epochs: number;
  /** Transform entries (default TRAIN_TRANSFORMS) and whether batches are shuffled (default true). */
  transforms?: readonly unknown[];
  shuffle?: boolean;
  /** 'eval': `auto` starts no workers (the data module's eval loaders run on the main thread). Default 'train'. */
  stage?: 'train' | 'eval';
  /** Cache bound for the cached modes (default 8 GiB: every benchmark folder fits). */
  cacheBytes?: number;
}

/** One epoch: images per second, and CPU milliseconds of the process (all its threads: libvips', the workers') and images. */
async function timeEpoch(loader: DataLoader, epoch: number): Promise<{ rate: number; cpuMs: number; images: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  let images = 0;
  for await (const batch of loader.epoch(epoch)) {
    images += batch.indices.length;
    dispose(batch);
  }
  const rate = images / ((performance.now() - start) / 1000);
  const used = process.cpuUsage(cpu);
  return { rate, cpuMs: (used.user + used.system) / 1000, images };
}

/**
 * Our DataLoader over `root`/train with the train transforms, `epochs` epochs
 * (cached modes run one more: the first fills the cache and is not counted).
 *
 * @example
 * await runOurs({ root: '.bench/fmnist-jpeg-2000', mode: 'main', workers: 2, epochs: 2 });
 */
export async function runOurs(options: RunOursOptions): Promise<RunResult> {
  const { mode } = options;
  const entries = [...(options.transforms ?? TRAIN_TRANSFORMS)];
  const dataset = await ImageFolder.load({ root: options.root, split: 'train' });
  const decode = { channels: 3 as const };
  const local = new ImagePipeline({ transforms: buildTransforms(entries), decode });
  // 'auto' is what ImageClassificationDataModule does with its default options.
  const auto = resolveParallelism({
    workers: 'auto',
    concurrency: 'auto',
    jsThreadSteps: local.jsThreadSteps('file'),
    source: 'file',
    cores: availableParallelism(),
  });
  const workers = mode !== 'auto' ? options.workers : options.stage === 'eval' ? 0 : auto.workers;
  const threaded = mode === 'workers' || mode === 'cached-workers' || (mode === 'auto' && workers > 0);
  const cached = mode === 'cached-main' || mode === 'cached-workers';
  const pipeline = threaded ? new WorkerPipeline({ transforms: entries, decode, workers }) : local;
  const cache = cached ? new ImageCache({ maxBytes: options.cacheBytes ?? 8 * 2 ** 30 }) : null;
  const loader = new DataLoader({
    dataset,
    batchSize: 64,
    shuffle: options.shuffle ?? true,
    seed: 0,
    concurrency: mode === 'auto' ? auto.concurrency : 32,
    prefetch: 2,
    pipeline,
    cache,
  });
  try {
    const epochs: { rate: number; cpuMs: number; images: number }[] = [];
    const total = cached ? options.epochs + 1 : options.epochs;
    for (let e = 0; e < total; e++) epochs.push(await timeEpoch(loader, e));
    const counted = cached ? epochs.slice(1) : epochs;
    const cpuMsPerImage = counted.reduce((a, x) => a + x.cpuMs, 0) / counted.reduce((a, x) => a + x.images, 0);
    const stats = cache?.stats();
    const result: RunResult = {
      workers: threaded ? workers : 0,
      imagesPerSecond: Math.max(...counted.map((x) => x.rate)),
      epochs: epochs.map((x) => x.rate),
      cpuMsPerImage,
    };
    return stats === undefined ? result : { ...result, cache: { entries: stats.entries, bytes: stats.bytes } };
  } finally {
    if (pipeline instanceof WorkerPipeline) await pipeline.close();
    cache?.clear();
  }
}

const execFileAsync = promisify(execFile);

/**
 * torchvision's ImageFolder + DataLoader with `workers` worker processes, in Debian's Python.
 *
 * @example
 * await runTorchvision({ root: '.bench/fmnist-jpeg-2000', workers: 2, epochs: 2 });
 */
export async function runTorchvision(options: {
  root: string;
  workers: number;
  epochs: number;
  /** A name from bench/data-recipes.ts (default 'basic'). */
  recipe?: string;
}): Promise<RunResult & { versions: Record<string, string> }> {
  const script = path.resolve('bench', 'data_torchvision.py');
  const args = ['--root', options.root, '--workers', String(options.workers), '--epochs', String(options.epochs)];
  const { stdout } = await execFileAsync('/usr/bin/python3', [script, ...args, '--recipe', options.recipe ?? 'basic'], {
    encoding: 'utf8',
  });
  const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
    imagesPerSecond: number;
    epochs: number[];
    cpuMsPerImage: number;
    versions?: Record<string, string>;
  };
  return {
    workers: options.workers,
    imagesPerSecond: result.imagesPerSecond,
    epochs: result.epochs,
    cpuMsPerImage: result.cpuMsPerImage,
    versions: result.versions ?? {},
  };
}
