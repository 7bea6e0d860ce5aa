/**
 * `DatasetStatistics`: at fit start, the class distribution of every split
 * the data module has (train, val, test), printed as a table and written to
 * `<runDir>/dataset_stats.json`, with a warning when a split is imbalanced
 * (largest class over smallest above `maxImbalanceRatio`, 10 by default) or
 * has a class with no samples. It reads only the splits' `targets`.
 *
 * @example
 * new Trainer({ callbacks: [new DatasetStatistics()] });
 * // class  | train        | val
 * // cat    | 120 (60.0%)  | 12 (60.0%)
 * // dog    |  80 (40.0%)  |  8 (40.0%)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { classCounts } from '../../data/class-stats.js';
import type { ImageDataset } from '../../data/dataset.js';
import { parseOptions } from '../../data/transforms/options.js';
import type { TrainableModule } from '../trainable-module.js';
import { register } from '../../registry.js';
import { Callback } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';

/** The file written into the run directory. */
export const DATASET_STATS_FILE = 'dataset_stats.json';

/** Options of `DatasetStatistics`. */
export const datasetStatisticsSchema = z
  .object({
    /** Warn when a split's largest class has more than this many times the samples of its smallest. */
    maxImbalanceRatio: z.number().min(1).default(10),
  })
  .strict();

/** What the `DatasetStatistics` constructor accepts. */
export type DatasetStatisticsOptions = z.input<typeof datasetStatisticsSchema>;

/** The distribution of one split. */
export interface SplitStatistics {
  /** Samples per class name, in class order. */
  counts: Record<string, number>;
  total: number;
  /** Largest over smallest class count (null when a class is empty or the split is). */
  imbalanceRatio: number | null;
  /** Classes with no samples. */
  emptyClasses: string[];
}

/** What `dataset_stats.json` holds. */
export interface DatasetStats {
  classes: string[];
  splits: Record<string, SplitStatistics>;
  warnings: string[];
}

type Labelled = Pick<ImageDataset, 'classes' | 'targets'>;

/**
 * Class counts, imbalance and warnings of the given splits (null splits are left out).
 *
 * @example
 * datasetStatistics({ train: dm.train, val: dm.val }).splits.train.imbalanceRatio; // 3
 */
export function datasetStatistics(splits: Record<string, Labelled | null>, options: { maxImbalanceRatio?: number } = {}): DatasetStats {
  const maxRatio = options.maxImbalanceRatio ?? 10;
  const out: DatasetStats = { classes: [], splits: {}, warnings: [] };
  for (const [split, ds] of Object.entries(splits)) {
    if (ds === null) continue;
    if (out.classes.length === 0) out.classes = [...ds.classes];
    const counts = classCounts(ds);
    const emptyClasses = ds.classes.filter((_, i) => counts[i] === 0);
    const min = Math.min(...counts);
    const max = Math.max(...counts);
    const imbalanceRatio = counts.length > 0 && min > 0 ? max / min : null;
    out.splits[split] = {
      counts: Object.fromEntries(ds.classes.map((name, i) => [name, counts[i]])),
      total: counts.reduce((a, b) => a + b, 0),
      imbalanceRatio,
      emptyClasses,
    };
    if (emptyClasses.length > 0) {
      out.warnings.push(`DatasetStatistics: expected samples of every class in ${split}, but got none of ${emptyClasses.join(', ')}`);
    }
    if (imbalanceRatio !== null && imbalanceRatio > maxRatio) {
      const big = ds.classes[counts.indexOf(max)];
      const small = ds.classes[counts.indexOf(min)];
      out.warnings.push(
        `DatasetStatistics: expected an imbalance ratio of at most ${maxRatio} in ${split}, but got ${imbalanceRatio.toFixed(1)} ` +
          `(${big}: ${max}, ${small}: ${min}); consider sampler 'weighted' or a class-weighted loss`,
      );
    }
  }
  return out;
}

/**
 * The statistics as a table: one row per class, one column per split (count and share).
 *
 * @example
 * console.log(formatDatasetStatistics(datasetStatistics({ train })));
 */
export function formatDatasetStatistics(stats: DatasetStats): string {
  const splits = Object.keys(stats.splits);
  const cell = (split: string, count: number): string => {
    const total = stats.splits[split].total;
    return `${count} (${total === 0 ? '0.0' : ((100 * count) / total).toFixed(1)}%)`;
  };
  const rows = [
    ['class', ...splits],
    ...stats.classes.map((name) => [name, ...splits.map((s) => cell(s, stats.splits[s].counts[name] ?? 0))]),
    ['total', ...splits.map((s) => String(stats.splits[s].total))],
    ['max/min', ...splits.map((s) => stats.splits[s].imbalanceRatio?.toFixed(2) ?? 'inf')],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join(' | ');
  return [line(rows[0]), '-'.repeat(line(rows[0]).length), ...rows.slice(1).map(line)].join('\n');
}

/**
 * Prints and writes the class distribution of each split at fit start.
 *
 * @example
 * const cb = new DatasetStatistics({ maxImbalanceRatio: 5 });
 * await cb.onFitStart(trainer); cb.stats?.splits.train.counts;
 */
export class DatasetStatistics extends Callback {
  /** Reports only: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  readonly maxImbalanceRatio: number;
  /** The statistics of the last fit (null before). */
  stats: DatasetStats | null = null;

  constructor(options: DatasetStatisticsOptions = {}) {
    super();
    this.maxImbalanceRatio = parseOptions('DatasetStatistics', datasetStatisticsSchema, options).maxImbalanceRatio;
  }

  override async onFitStart(trainer: TrainerView, _module?: TrainableModule): Promise<void> {
    const dm = trainer.dataModule;
    if (dm === null || !trainer.isGlobalZero) return;
    this.stats = datasetStatistics({ train: dm.train, val: dm.val, test: dm.test }, { maxImbalanceRatio: this.maxImbalanceRatio });
    if (Object.keys(this.stats.splits).length === 0) return;
    trainer.print(formatDatasetStatistics(this.stats));
    for (const warning of this.stats.warnings) trainer.print(warning);
    await mkdir(trainer.runDir, { recursive: true });
    await writeFile(path.join(trainer.runDir, DATASET_STATS_FILE), `${JSON.stringify(this.stats, null, 2)}\n`);
  }
}

register({
  group: 'callback',
  name: 'dataset_statistics',
  schema: datasetStatisticsSchema,
  build: (options) => new DatasetStatistics(options),
  description: 'Prints and writes the class distribution of each split; warns on imbalance or empty classes',
});
