/**
 * The options of `ImageClassificationDataModule`, as a zod 4 schema (config
 * validation and JSON Schema come from it), and the default transform lists:
 * Fashion-MNIST keeps its 28x28 grey images and normalizes with its own
 * statistics; folders get the usual ImageNet recipe at 224.
 *
 * @example
 * const options = parseDataModuleOptions({ root: 'data/pets', batchSize: 32 });
 */
import { z } from 'zod';
import { configErrorFromZod } from '../config-error-from-zod.js';
import { registry } from '../registry.js';

/** Fashion-MNIST's pixel mean and std (0-1 scale) over its training set. */
export const FASHION_MNIST_NORMALIZE = { mean: [0.286], std: [0.353] } as const;

/** The same over every train mosaic of `data=fmnist_multilabel` (scripts/fixtures/fmnist_mosaic.py): a quarter to three quarters black. */
export const FMNIST_MOSAIC_NORMALIZE = { mean: [0.179], std: [0.312] } as const;

/**
 * The data module's options as a zod schema: validation, defaults and the config's JSON Schema all come from it.
 *
 * @example
 * dataModuleSchema.parse({ root: 'data/pets' }).batchSize; // 128
 */
export const dataModuleSchema = z.strictObject({
  /** A data folder, a folder of IDX files, or `fashion-mnist` (Debian's package). */
  root: z.string().min(1).default('fashion-mnist'),
  format: z.enum(['auto', 'folder', 'jsonl', 'idx', 'csv', 'mosaic']).default('auto'),
  /**
   * Several labels per image, as multi-hot batches (float32 [B, C]): the run builder sets it from
   * `task: multilabel`; a config does not.
   */
  multiLabel: z.boolean().default(false),
  /** CSV manifests: the separator between the labels of a `labels` cell (`dog|cat`). */
  labelSeparator: z.string().min(1).default('|'),
  batchSize: z.int().positive().default(128),
  /** Batch size of the val/test/predict loaders (default: batchSize). */
  evalBatchSize: z.int().positive().optional(),
  /**
   * Images decoded and transformed at once (JPEGs on libuv's thread pool: keep it well above the core count);
   * 'auto': max(16, 4 x cores, 4 x workers).
   */
  concurrency: z.union([z.literal('auto'), z.int().positive()]).default('auto'),
  prefetch: z.int().nonnegative().default(2),
  /**
   * Worker threads for the train transforms. 'auto' (default): one per core (at most 16) when the train
   * pipeline reads image files and has per-sample work on the JavaScript thread (RandAugment,
   * RandomAffine, ...), else none: JPEG decoding and a leading crop/flip/jitter run on libuv's thread
   * pool anyway, and in-memory IDX images cost less to transform than to post to a worker. 0: the
   * main thread drives every transform. Results are the same either way.
   */
  workers: z.union([z.literal('auto'), z.int().nonnegative()]).default('auto'),
  /** Share of train held out (stratified) when there is no val split. */
  valFraction: z.number().min(0).lt(1).default(0.1),
  seed: z.int().nonnegative().default(42),
  /** Transform entries for training (default depends on the data set). */
  trainTransforms: z.array(z.unknown()).optional(),
  /** Transform entries for val/test/predict, a separate pipeline. */
  evalTransforms: z.array(z.unknown()).optional(),
  /** 1 (grey) or 3 (RGB); default 1 for IDX, 3 otherwise. */
  channels: z.union([z.literal(1), z.literal(3)]).optional(),
  channelsLast: z.boolean().default(false),
  /** RAM cache of decoded train images. */
  cache: z.union([z.literal(false), z.strictObject({ maxBytes: z.int().positive() })]).default(false),
  badFiles: z.enum(['fail', 'skip']).default('fail'),
  maxSkipFraction: z.number().min(0).max(1).default(0.01),
  /** Decode every file once in setup(). */
  verify: z.boolean().default(false),
  /**
   * 'weighted': classes drawn equally often (inverse class frequency); multi-label, every image as
   * often as its rarest label asks (`rareLabelWeights`).
   */
  sampler: z.enum(['random', 'weighted']).default('random'),
  dropLast: z.boolean().default(false),
  /**
   * MixUp or CutMix on training batches (timm's: with both, one of them per batch), drawn from
   * the loader's seed (the Trainer's): { mixup: { alpha }, cutmix: { alpha } }; null: none.
   */
  batchMix: z
    .strictObject({
      mixup: z
        .strictObject({ alpha: z.number().positive().default(0.2) })
        .nullable()
        .default(null),
      cutmix: z
        .strictObject({ alpha: z.number().positive().default(1) })
        .nullable()
        .default(null),
    })
    .nullable()
    .default(null),
});

/**
 * Keys a config's `data` section sets beside the data module's options
 * (the registry's 'data_format' group keys): read by the run builder and the
 * transform lists, never by the data module.
 *
 * @example
 * registry.defineGroup('data_format', { keys: dataConfigKeys });
 */
export const dataConfigKeys = {
  /** null: as many classes as the data has. */
  numClasses: z.number().int().min(2).nullable().default(null),
  /** The side the transform lists crop and resize to (through `${data.imageSize}`). */
  imageSize: z.number().int().positive(),
  /** The shorter side before an eval centre crop. */
  resizeSize: z.number().int().positive().optional(),
};

/**
 * The defaults a `DataLoader` shares with the data module, from this schema
 * (their one home): a loader made by hand batches and seeds as the data
 * module's do.
 *
 * @example
 * new DataLoader({ dataset }).batchSize === loaderDefaults.batchSize; // true
 */
export const loaderDefaults = (() => {
  const { batchSize, seed, dropLast, prefetch, badFiles, maxSkipFraction } = dataModuleSchema.parse({});
  return Object.freeze({ batchSize, seed, dropLast, prefetch, badFiles, maxSkipFraction });
})();

/** Options as written by the user (every key optional). */
export type DataModuleInput = z.input<typeof dataModuleSchema>;
/** Options after defaults. */
export type DataModuleOptions = z.output<typeof dataModuleSchema>;

/**
 * Validates options, reporting every problem at once with its dotted path.
 *
 * @example
 * parseDataModuleOptions({ batchSize: 0 }); // throws ConfigError: batchSize: expected ...
 */
export function parseDataModuleOptions(input: unknown): DataModuleOptions {
  // Options the registry built from a run plan were checked by this schema already.
  if (registry.isResolved(input)) return input as DataModuleOptions;
  const result = dataModuleSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw configErrorFromZod(result.error, { component: 'data', expected: 'valid data options' });
}

/**
 * The default train and eval transform entries for a format and channel count.
 *
 * @example
 * defaultTransforms('idx', 1).eval; // [{ name: 'Normalize', mean: [0.286], std: [0.353] }]
 */
export function defaultTransforms(
  format: 'folder' | 'jsonl' | 'idx' | 'csv' | 'mosaic',
  channels: 1 | 3,
): { train: unknown[]; eval: unknown[] } {
  if (format === 'idx' || format === 'mosaic') {
    const stats = format === 'idx' ? FASHION_MNIST_NORMALIZE : FMNIST_MOSAIC_NORMALIZE;
    const normalize =
      channels === 1
        ? { name: 'Normalize', mean: [...stats.mean], std: [...stats.std] }
        : { name: 'Normalize', mean: Array(3).fill(stats.mean[0]), std: Array(3).fill(stats.std[0]) };
    return { train: [normalize], eval: [normalize] };
  }
  const normalize = channels === 1 ? { name: 'Normalize', mean: [0.449], std: [0.226] } : { name: 'Normalize' };
  return {
    train: [{ name: 'RandomResizedCrop', size: 224 }, { name: 'RandomHorizontalFlip' }, normalize],
    eval: [{ name: 'Resize', size: 256 }, { name: 'CenterCrop', size: 224 }, normalize],
  };
}
