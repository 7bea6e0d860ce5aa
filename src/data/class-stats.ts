/**
 * Class statistics of a data set: counts per class and split, an optional
 * histogram of image sizes (read from file headers, no decode),
 * and inverse-frequency class weights for a weighted loss.
 *
 * @example
 * const counts = classCounts(train);             // [120, 80, 40]
 * classWeights(counts);                          // sums to 3; the rarest class weighs most
 * await imageSizeHistogram(train, { concurrency: 8 }); // Map { '224x224' => 230, '640x480' => 10 }
 */
import { mapLimit } from './async-limiter.js';
import { imageSize } from './decode.js';
import type { ImageDataset } from './dataset.js';

/**
 * Samples per class, indexed by class (unlabelled samples are not counted).
 * A multi-label set counts every sample once under each of its labels, so
 * the counts may sum to more than its length.
 *
 * @example
 * classCounts(ds)[ds.classes.indexOf('cat')];
 */
export function classCounts(dataset: Pick<ImageDataset, 'classes' | 'targets' | 'labelSets'>): number[] {
  const counts = new Array<number>(dataset.classes.length).fill(0);
  const count = (t: number): void => {
    if (t >= 0 && t < counts.length) counts[t]++;
  };
  if (dataset.labelSets !== undefined) for (const set of dataset.labelSets) set.forEach(count);
  else dataset.targets.forEach(count);
  return counts;
}

/**
 * Inverse-frequency weights (1 / count), scaled to sum to the number of
 * classes, so a balanced set gets all ones. A class with no samples gets 0
 * (it can never be a target, and an infinite weight would poison the loss).
 *
 * @example
 * classWeights([30, 10]); // [0.5, 1.5]
 */
export function classWeights(counts: readonly number[]): number[] {
  const inverse = counts.map((c) => (c > 0 ? 1 / c : 0));
  const total = inverse.reduce((a, b) => a + b, 0);
  return total === 0 ? counts.map(() => 0) : inverse.map((w) => (w * counts.length) / total);
}

/**
 * Multi-label BCE `posWeight` per class: negatives over positives,
 * (total - count) / count, so a class seen in 1 image of 10 weighs its
 * positives 9 times. A class with no positives gets 1 (no positive to weigh).
 *
 * @example
 * positiveWeights([2, 5, 0], 10); // [4, 1, 1]
 */
export function positiveWeights(counts: readonly number[], total: number): number[] {
  return counts.map((c) => (c > 0 ? (total - c) / c : 1));
}

/** Per-split counts: `{ train: { cat: 120, dog: 80 }, val: {...} }`. */
export type SplitCounts = Record<string, Record<string, number>>;

/**
 * Counts per class name for each named split (multi-label: images per label).
 *
 * @example
 * countsBySplit({ train, val }); // { train: { cat: 120, dog: 80 }, val: { cat: 12, dog: 8 } }
 */
export function countsBySplit(splits: Record<string, Pick<ImageDataset, 'classes' | 'targets' | 'labelSets'>>): SplitCounts {
  const out: SplitCounts = {};
  for (const [split, ds] of Object.entries(splits)) {
    const counts = classCounts(ds);
    out[split] = Object.fromEntries(ds.classes.map((name, i) => [name, counts[i]]));
  }
  return out;
}

/**
 * How many images have each `WxH` size, from the file headers (in-memory
 * images count too). Unreadable headers count under `unreadable`.
 *
 * @example
 * const hist = await imageSizeHistogram(ds, { concurrency: 8 });
 */
export async function imageSizeHistogram(dataset: ImageDataset, options: { concurrency?: number } = {}): Promise<Map<string, number>> {
  const indices = Array.from({ length: dataset.length }, (_, i) => i);
  const sizes = await mapLimit(indices, options.concurrency ?? 8, async (i) => {
    const source = dataset.source(i);
    if (typeof source !== 'string' && !Buffer.isBuffer(source)) return `${source.width}x${source.height}`;
    try {
      const { width, height } = await imageSize(source);
      return `${width}x${height}`;
    } catch {
      return 'unreadable';
    }
  });
  const hist = new Map<string, number>();
  for (const s of sizes) hist.set(s, (hist.get(s) ?? 0) + 1);
  return new Map([...hist].sort((a, b) => b[1] - a[1]));
}
