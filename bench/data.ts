/**
 * `npm run bench:data`: images per second of an input pipeline (a recipe
 * of bench/data-recipes.ts, `--recipe`, default `basic`: decode,
 * RandomResizedCrop 224, horizontal flip, ColorJitter(0.4, 0.4, 0.4),
 * normalize; batches of 64) for this project's DataLoader and for
 * torchvision's ImageFolder + DataLoader with the same number of workers, in
 * the same run, on the same JPEG folder (built once under .bench/, see
 * bench/data-folders.ts). `--recipe all` prints one table: every recipe,
 * ours with the data module's default settings (workers and concurrency
 * 'auto') against torchvision. The data sets:
 *
 * - `--dataset fmnist` (default): 2,000 Fashion-MNIST images upscaled to 256x256 RGB;
 * - `--dataset photos`: photo-like JPEGs at 375x500 to 1024x768, quality 90, 4:2:0.
 *
 * A single recipe's run times our loader with default settings, with the transforms on the main thread, with
 * `--workers` worker threads, and with its RAM cache of decoded images
 * (counted from the second epoch, once the cache is warm: torchvision has no
 * equivalent, so it stays out of the ratio), then torchvision. `--repeat N`
 * alternates ours and torchvision's N times and reports medians: the machine
 * is shared and noisy, so compare ratios within one run, not across runs.
 * The ratio is ours with default settings over torchvision, taken within
 * each run, median over runs. A second table gives CPU milliseconds
 * per image (all threads, torchvision's worker processes included): on a
 * shared machine it moves less than images/s, and it shows whether a loader
 * is slow because it does more work or because it leaves cores idle.
 *
 * Options: --dataset fmnist|photos, --recipe basic|hue|trivialaugment|randaugment|autoaugment|augmix|erasing|eval|all,
 * --workers N (torchvision's worker processes and our explicit-workers run; default: available cores),
 * --images N (default 2000), --epochs N (default 2; the best epoch counts),
 * --repeat N (default 1), --cache-pipeline main|workers (default workers),
 * --skip-torchvision, --skip-cache.
 *
 * @example
 * npm run bench:data -- --dataset photos --repeat 3
 * npm run bench:data -- --recipe all --dataset photos
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { transformRegistry } from '../src/data/transforms/registry.js';
import { setNumThreads } from '../src/torch/runtime.js';
import { BENCH_DATASETS, buildBenchFolder } from './data-folders.js';
import type { BenchDataset } from './data-folders.js';
import { RECIPE_NAMES, RECIPES } from './data-recipes.js';
import type { RecipeName } from './data-recipes.js';
import { runOurs, runTorchvision } from './data-runs.js';
import type { RunResult } from './data-runs.js';

interface BenchOptions {
  dataset: BenchDataset;
  recipe: RecipeName | 'all';
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
      recipe: { type: 'string', default: 'basic' },
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
    recipe: oneOf('recipe', values.recipe, [...RECIPE_NAMES, 'all'] as const),
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
  auto: RunResult;
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
/** Ours with default settings over torchvision, within one repeat (both ran minutes apart at most). */
const ratioOf = (r: { auto?: RunResult; torchvision?: RunResult }): number | undefined =>
  r.torchvision === undefined || r.auto === undefined ? undefined : r.auto.imagesPerSecond / r.torchvision.imagesPerSecond;

/** Runs torchvision's recipe and records its versions. */
async function torchvisionRun(options: BenchOptions, root: string, recipe: RecipeName, versions: { torchvision?: string }) {
  const tv = await runTorchvision({ root, workers: options.workers, epochs: options.epochs, recipe });
  versions.torchvision = Object.entries(tv.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return tv;
}

/** Runs ours (default settings, main, workers, cached) then torchvision, once, on one recipe. */
async function runOnce(options: BenchOptions, recipe: RecipeName, root: string, versions: { torchvision?: string }): Promise<RepeatResult> {
  const { workers, epochs } = options;
  const { transforms, shuffle, stage } = RECIPES[recipe];
  const auto = await runOurs({ root, mode: 'auto', workers, epochs, transforms, shuffle, stage });
  const main = await runOurs({ root, mode: 'main', workers, epochs, transforms, shuffle, stage });
  const threaded = workers > 0 ? await runOurs({ root, mode: 'workers', workers, epochs, transforms, shuffle, stage }) : undefined;
  const cachedMode = options.cachePipeline === 'workers' && workers > 0 ? 'cached-workers' : 'cached-main';
  const cached = options.cache ? await runOurs({ root, mode: cachedMode, workers, epochs, transforms, shuffle, stage }) : undefined;
  const tv = options.torchvision ? await torchvisionRun(options, root, recipe, versions) : undefined;
  return { torchvision: tv, auto, main, workers: threaded, cached };
}

function repeatLine(r: RepeatResult, workers: number): string {
  const parts = [
    r.torchvision === undefined ? null : `torchvision ${rate(r.torchvision)}`,
    `ours default settings (${r.auto.workers ?? 0} worker thread(s)) ${rate(r.auto)}`,
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
  const autoWorkers = results[0]?.auto.workers ?? 0;
  const labels = {
    torchvision: `torchvision ImageFolder + DataLoader, ${workers} worker process(es)`,
    auto: `ours, default settings (chose ${autoWorkers} worker thread(s))`,
    main: 'ours, transforms on the main thread',
    workers: `ours, ${workers} worker thread(s)`,
    cached: 'ours with RAM cache (epoch 2+), torchvision has no equivalent',
  };
  const keys = ['torchvision', 'auto', 'main', 'workers', 'cached'] as const;
  const rates = (k: (typeof keys)[number]): (number | undefined)[] => results.map((r) => r[k]?.imagesPerSecond);
  const cpu = (k: (typeof keys)[number]): (number | undefined)[] => results.map((r) => r[k]?.cpuMsPerImage);
  const cache = results.find((r) => r.cached?.cache !== undefined)?.cached?.cache;
  const where = options.cachePipeline === 'workers' && workers > 0 ? `${workers} worker thread(s)` : 'the main thread';
  const lines = [
    `${options.dataset}, images/s, median of ${results.length} run(s)${results.length > 1 ? ' [per run]' : ''}:`,
    row(labels.torchvision, rates('torchvision'), ' images/s', 1),
    row(labels.auto, rates('auto'), ' images/s', 1),
    row('ratio, ours default settings / torchvision (target >= 2x)', results.map(ratioOf), 'x', 2),
    row(labels.main, rates('main'), ' images/s', 1),
    row(labels.workers, rates('workers'), ' images/s', 1),
    row(labels.cached, rates('cached'), ' images/s', 1),
    cache === undefined
      ? null
      : `  cache: ${cache.entries} images, ${(cache.bytes / 2 ** 20).toFixed(0)} MiB decoded, transforms in ${where}; not in the ratio`,
    `${options.dataset}, CPU ms per image (every thread and worker process; lower is better):`,
    ...keys.map((k) => row(labels[k], cpu(k), ' ms', 2)),
  ];
  return lines.filter((l): l is string => l !== null);
}

/** `--recipe all`: ours with default settings against torchvision on every recipe, one table (medians over repeats). */
async function recipeTable(options: BenchOptions, root: string, versions: { torchvision?: string }): Promise<string[]> {
  const registered = new Set(Object.keys(transformRegistry));
  const lines = [
    `${'recipe'.padEnd(16)} ${'ours img/s'.padStart(11)} ${'workers'.padStart(8)} ${'torchvision'.padStart(12)} ${'ratio'.padStart(7)}  ${'ours ms CPU/img'.padStart(15)} ${'tv ms CPU/img'.padStart(13)}`,
  ];
  for (const recipe of RECIPE_NAMES) {
    const { transforms, shuffle, stage } = RECIPES[recipe];
    const missing = (transforms as { name: string }[]).filter((t) => !registered.has(t.name)).map((t) => t.name);
    const runs: { auto?: RunResult; torchvision?: RunResult }[] = [];
    for (let i = 0; i < options.repeat; i++) {
      const auto =
        missing.length === 0
          ? await runOurs({ root, mode: 'auto', workers: options.workers, epochs: options.epochs, transforms, shuffle, stage })
          : undefined;
      const tv = options.torchvision ? await torchvisionRun(options, root, recipe, versions) : undefined;
      runs.push({ auto, torchvision: tv });
    }
    const med = (f: (r: (typeof runs)[number]) => number | undefined, digits: number, width: number): string => {
      const xs = runs.map(f).filter((x): x is number => x !== undefined);
      return (xs.length === 0 ? 'n/a' : median(xs).toFixed(digits)).padStart(width);
    };
    const line = [
      recipe.padEnd(16),
      med((r) => r.auto?.imagesPerSecond, 1, 11),
      String(runs[0].auto?.workers ?? '-').padStart(8),
      med((r) => r.torchvision?.imagesPerSecond, 1, 12),
      `${med(ratioOf, 2, 6)}x`.replace('n/ax', 'n/a '),
      ' ' + med((r) => r.auto?.cpuMsPerImage, 2, 15),
      med((r) => r.torchvision?.cpuMsPerImage, 2, 13),
    ].join(' ');
    lines.push(missing.length === 0 ? line : `${line}  (ours: ${missing.join(', ')} not registered)`);
    console.log(`  ${line}`);
  }
  return lines;
}

const options = parseOptions();
const folder = await buildBenchFolder({ dataset: options.dataset, count: options.images });
setNumThreads(1); // the loader's tensor work is small; keep libtorch off the decode threads
console.log(`data pipeline benchmark, dataset ${options.dataset}: ${folder.description}`);
const versions: { torchvision?: string } = {};
const versionLine = (): string =>
  `versions: sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}${versions.torchvision ? `; ${versions.torchvision}` : ''}`;
if (options.recipe === 'all') {
  console.log(
    `every recipe, batch 64: ours with default settings (workers and concurrency 'auto', ${availableParallelism()} cores) against torchvision with ${options.workers} worker process(es); best of ${options.epochs} epoch(s) per run; median of ${options.repeat} run(s)`,
  );
  const table = await recipeTable(options, folder.root, versions);
  console.log(versionLine());
  console.log(`${options.dataset}, images/s (ratio: ours / torchvision, target >= 2x):`);
  for (const line of table) console.log(`  ${line}`);
} else {
  const recipe = options.recipe;
  console.log(
    `recipe ${recipe}: ${RECIPES[recipe].description}, batch 64; ${options.workers} worker(s); best of ${options.epochs} epoch(s) per run; ${options.repeat} run(s), ours then torchvision`,
  );
  const results: RepeatResult[] = [];
  for (let i = 0; i < options.repeat; i++) {
    const result = await runOnce(options, recipe, folder.root, versions);
    results.push(result);
    console.log(`run ${i + 1}/${options.repeat}: ${repeatLine(result, options.workers)}`);
  }
  console.log(versionLine());
  for (const line of summary(options, results)) console.log(line);
}
