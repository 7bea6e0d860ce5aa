/**
 * `npm run bench:data`: images per second of a training input pipeline
 * (decode, RandomResizedCrop 224, horizontal flip, ColorJitter(0.4, 0.4, 0.4),
 * normalize, batches of 64) for this project's DataLoader and for
 * torchvision's ImageFolder + DataLoader with the same number of workers, in
 * the same run, on the same JPEG folder (built once under .bench/, see
 * bench/data-folders.ts):
 *
 * - `--dataset fmnist` (default): 2,000 Fashion-MNIST images upscaled to 256x256 RGB;
 * - `--dataset photos`: photo-like JPEGs at 375x500 to 1024x768, quality 90, 4:2:0.
 *
 * Each run times our loader with the transforms on the main thread, with
 * `--workers` worker threads, and with its RAM cache of decoded images
 * (counted from the second epoch, once the cache is warm: torchvision has no
 * equivalent, so it stays out of the ratio), then torchvision. `--repeat N`
 * alternates ours and torchvision's N times and reports medians: the machine
 * is shared and noisy, so compare ratios within one run, not across runs.
 * The ratio is the best of our two uncached loaders over torchvision, taken
 * within each run, median over runs. A second table gives CPU milliseconds
 * per image (all threads, torchvision's worker processes included): on a
 * shared machine it moves less than images/s, and it shows whether a loader
 * is slow because it does more work or because it leaves cores idle.
 *
 * Options: --dataset fmnist|photos, --workers N (default: available cores),
 * --images N (default 2000), --epochs N (default 2; the best epoch counts),
 * --repeat N (default 1), --cache-pipeline main|workers (default workers),
 * --skip-torchvision, --skip-cache.
 *
 * @example
 * npm run bench:data -- --dataset photos --repeat 3
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { setNumThreads } from '../src/torch/runtime.js';
import { BENCH_DATASETS, buildBenchFolder } from './data-folders.js';
import type { BenchDataset } from './data-folders.js';
import { runOurs, runTorchvision } from './data-runs.js';
import type { RunResult } from './data-runs.js';

interface BenchOptions {
  dataset: BenchDataset;
  workers: number;
  images: number;
  epochs: number;
  repeat: number;
  cachePipeline: 'main' | 'workers';
  torchvision: boolean;
  cache: boolean;
}

function positiveInteger(name: string, value: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`bench:data: expected an integer >= ${min} for --${name}, but got '${value}'`);
  return n;
}

function oneOf<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value))
    throw new Error(`bench:data: expected --${name} to be one of ${choices.join(', ')}, but got '${value}'`);
  return value as T;
}

function parseOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string', default: 'fmnist' },
      workers: { type: 'string', default: String(availableParallelism()) },
      images: { type: 'string', default: '2000' },
      epochs: { type: 'string', default: '2' },
      repeat: { type: 'string', default: '1' },
      'cache-pipeline': { type: 'string', default: 'workers' },
      'skip-torchvision': { type: 'boolean', default: false },
      'skip-cache': { type: 'boolean', default: false },
    },
  });
  return {
    dataset: oneOf('dataset', values.dataset, BENCH_DATASETS),
    workers: positiveInteger('workers', values.workers, 0),
    images: positiveInteger('images', values.images),
    epochs: positiveInteger('epochs', values.epochs),
    repeat: positiveInteger('repeat', values.repeat),
    cachePipeline: oneOf('cache-pipeline', values['cache-pipeline'], ['main', 'workers'] as const),
    torchvision: !values['skip-torchvision'],
    cache: !values['skip-cache'],
  };
}

/** One repeat's runs; absent entries were not run. */
interface RepeatResult {
  torchvision?: RunResult;
  main: RunResult;
  workers?: RunResult;
  cached?: RunResult;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rate = (r: RunResult): string => r.imagesPerSecond.toFixed(1);
/** Our best uncached rate over torchvision's, within one repeat (both ran minutes apart at most). */
const ratioOf = (r: RepeatResult): number | undefined =>
  r.torchvision === undefined
    ? undefined
    : Math.max(r.main.imagesPerSecond, r.workers?.imagesPerSecond ?? 0) / r.torchvision.imagesPerSecond;

/** Runs ours (main, workers, cached) then torchvision, once. */
async function runOnce(options: BenchOptions, root: string, versions: { torchvision?: string }): Promise<RepeatResult> {
  const { workers, epochs } = options;
  const main = await runOurs({ root, mode: 'main', workers, epochs });
  const threaded = workers > 0 ? await runOurs({ root, mode: 'workers', workers, epochs }) : undefined;
  const cachedMode = options.cachePipeline === 'workers' && workers > 0 ? 'cached-workers' : 'cached-main';
  const cached = options.cache ? await runOurs({ root, mode: cachedMode, workers, epochs }) : undefined;
  const tv = options.torchvision ? await runTorchvision({ root, workers, epochs }) : undefined;
  if (tv !== undefined)
    versions.torchvision = Object.entries(tv.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return { torchvision: tv, main, workers: threaded, cached };
}

function repeatLine(r: RepeatResult, workers: number): string {
  const parts = [
    r.torchvision === undefined ? null : `torchvision ${rate(r.torchvision)}`,
    `ours main thread ${rate(r.main)}`,
    r.workers === undefined ? null : `ours ${workers} worker thread(s) ${rate(r.workers)}`,
    r.cached === undefined ? null : `ours cached ${rate(r.cached)}`,
  ].filter((p): p is string => p !== null);
  const ratio = ratioOf(r);
  return `${parts.join(' | ')} images/s${ratio === undefined ? '' : ` | ratio ${ratio.toFixed(2)}x`}`;
}

/** A table row: the median over repeats, then the per-repeat values; null when nothing ran. */
function row(label: string, values: (number | undefined)[], unit: string, digits: number): string | null {
  const xs = values.filter((x): x is number => x !== undefined);
  if (xs.length === 0) return null;
  const list = xs.length > 1 ? `  [${xs.map((x) => x.toFixed(digits)).join(', ')}]` : '';
  return `  ${label.padEnd(62)} ${median(xs).toFixed(digits).padStart(8)}${unit}${list}`;
}

/** The summary: images/s and the ratio, then CPU time per image (less sensitive to other jobs on a shared machine). */
function summary(options: BenchOptions, results: RepeatResult[]): string[] {
  const { workers } = options;
  const labels = {
    torchvision: `torchvision ImageFolder + DataLoader, ${workers} worker process(es)`,
    main: 'ours, transforms on the main thread',
    workers: `ours, ${workers} worker thread(s)`,
    cached: 'ours with RAM cache (epoch 2+), torchvision has no equivalent',
  };
  const keys = ['torchvision', 'main', 'workers', 'cached'] as const;
  const rates = (k: (typeof keys)[number]): (number | undefined)[] => results.map((r) => r[k]?.imagesPerSecond);
  const cpu = (k: (typeof keys)[number]): (number | undefined)[] => results.map((r) => r[k]?.cpuMsPerImage);
  const cache = results.find((r) => r.cached?.cache !== undefined)?.cached?.cache;
  const where = options.cachePipeline === 'workers' && workers > 0 ? `${workers} worker thread(s)` : 'the main thread';
  const lines = [
    `${options.dataset}, images/s, median of ${results.length} run(s)${results.length > 1 ? ' [per run]' : ''}:`,
    row(labels.torchvision, rates('torchvision'), ' images/s', 1),
    row(labels.main, rates('main'), ' images/s', 1),
    row(labels.workers, rates('workers'), ' images/s', 1),
    row('ratio, best of ours uncached / torchvision (target >= 2x)', results.map(ratioOf), 'x', 2),
    row(labels.cached, rates('cached'), ' images/s', 1),
    cache === undefined
      ? null
      : `  cache: ${cache.entries} images, ${(cache.bytes / 2 ** 20).toFixed(0)} MiB decoded, transforms in ${where}; not in the ratio`,
    `${options.dataset}, CPU ms per image (every thread and worker process; lower is better):`,
    ...keys.map((k) => row(labels[k], cpu(k), ' ms', 2)),
  ];
  return lines.filter((l): l is string => l !== null);
}

const options = parseOptions();
const folder = await buildBenchFolder({ dataset: options.dataset, count: options.images });
setNumThreads(1); // the loader's tensor work is small; keep libtorch off the decode threads
console.log(`data pipeline benchmark, dataset ${options.dataset}: ${folder.description}`);
console.log(
  `decode → RandomResizedCrop 224 → horizontal flip → ColorJitter(0.4, 0.4, 0.4) → normalize → batch 64; ${options.workers} worker(s); best of ${options.epochs} epoch(s) per run; ${options.repeat} run(s), ours then torchvision`,
);
const versions: { torchvision?: string } = {};
const results: RepeatResult[] = [];
for (let i = 0; i < options.repeat; i++) {
  const result = await runOnce(options, folder.root, versions);
  results.push(result);
  console.log(`run ${i + 1}/${options.repeat}: ${repeatLine(result, options.workers)}`);
}
console.log(
  `versions: sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}${versions.torchvision ? `; ${versions.torchvision}` : ''}`,
);
for (const line of summary(options, results)) console.log(line);
