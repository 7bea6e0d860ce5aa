/**
 * `DataLoader`: batches of decoded, transformed, normalized images, built in
 * the background while the consumer trains on the previous batch.
 *
 * - `concurrency` images are decoded at once (JPEGs on libuv's thread pool,
 *   other formats in libvips' threads: an async pool uses every core), and
 *   the batch's pixels are written on the thread pool too;
 * - batch memory the consumer has disposed is filled again (`reuseMemory`);
 * - the next `prefetch` batches are prepared while the current one is used;
 * - the same seed gives the same batches in the same order whatever the
 *   concurrency: the sampler's order depends on (seed, epoch) only and the
 *   transforms of the sample at position p of epoch e draw from
 *   `Rng.forSample(seed, e, p)` (position, not dataset index, so a sample drawn
 *   twice by a sampler with replacement gets two different augmentations);
 * - unreadable files fail (a DataError naming the file) or, with
 *   `badFiles: 'skip'`, are dropped from their batch with a warning, never
 *   replaced by a neighbour, and the epoch aborts past `maxSkipFraction`.
 *
 * Batches belong to the consumer: dispose `images` and `labels` (or run
 * the step in `tidy` and let it free them) once the step is done.
 *
 * @example
 * const loader = new DataLoader({ dataset, batchSize: 64, shuffle: true, seed: 42, pipeline });
 * for await (const batch of loader.epoch(0)) {
 *   tidy(() => step(batch.images, batch.labels)); // frees the batch too, it was returned to no one
 *   dispose(batch);
 * }
 */
import { DataError } from '../errors.js';
import { dispose } from '../torch/memory.js';
import type { Tensor } from '../torch/tensor.js';
import { AsyncLimiter } from './async-limiter.js';
import { BatchPool } from './batch-pool.js';
import { collateAsync } from './collate.js';
import { loaderDefaults } from './datamodule-options.js';
import type { CollateOptions, Normalization } from './collate.js';
import type { ImageDataset, ImageSource } from './dataset.js';
import { decodeImage } from './decode.js';
import type { DecodeOptions } from './decode.js';
import { toGrayscale } from './image.js';
import type { RawImage } from './image.js';
import { ImageCache } from './image-cache.js';
import { Rng } from './random.js';
import { RandomSampler } from './samplers/random-sampler.js';
import { SequentialSampler } from './samplers/sampler.js';
import type { Sampler } from './samplers/sampler.js';
import { WorkerPipeline } from './worker-pipeline.js';

/** One batch: images [B, C, H, W] float32, labels [B] int64 (multi-label sets: multi-hot float32 [B, C]), and the dataset indices. */
export interface Batch {
  images: Tensor;
  labels: Tensor;
  indices: number[];
}

/** What the loader needs of a transform pipeline (`ImagePipeline` fits). */
export interface BatchPipeline {
  run(source: ImageSource, rng: Rng): Promise<RawImage>;
  readonly normalize: Normalization | null;
  readonly erasing: { applyToBatch(images: Tensor, rngs: Rng[]): Tensor } | null;
  /** How the pipeline decodes files (the cache decodes the same way). */
  readonly decode?: DecodeOptions;
  /** Preferred over `run` when present: runs a sample known by its identity (worker pipelines). */
  runSample?(source: ImageSource, sample: { seed: number; epoch: number; position: number }): Promise<RawImage>;
}

/** What to do with a file that cannot be decoded. */
export type BadFilePolicy = 'fail' | 'skip';

/** Options for `DataLoader`. */
export interface DataLoaderOptions {
  dataset: ImageDataset;
  /** Default: the data module's (`loaderDefaults.batchSize`). */
  batchSize?: number;
  /** A new seeded order every epoch (default false). Not with `sampler`. */
  shuffle?: boolean;
  /** Overrides `shuffle`. */
  sampler?: Sampler;
  /** Drop the last incomplete batch (default: the data module's, false). */
  dropLast?: boolean;
  /** Seeds the shuffle and every sample's transforms (default: the data module's, `loaderDefaults.seed`). */
  seed?: number;
  /** Images decoded and transformed at once (default 16: decoding runs on libuv's thread pool, which needs work queued while the JS thread collates). */
  concurrency?: number;
  /**
   * Fill a batch tensor again once the consumer has disposed it (and every
   * view of it), instead of fresh memory: saves the page faults of a new
   * 38 MB batch. Default true; a batch kept by the consumer is never reused.
   */
  reuseMemory?: boolean;
  /** Batches prepared ahead of the one being used (default 2). */
  prefetch?: number;
  /** Transforms; without one, images are only decoded. */
  pipeline?: BatchPipeline | null;
  /** Decoding of files when there is no pipeline, and for the cache (default: the pipeline's, else `{ channels: 3 }`). */
  decode?: DecodeOptions;
  /** Overrides the pipeline's normalization (null: none). */
  normalize?: Normalization | null;
  /** Batches in channels-last memory format. */
  channelsLast?: boolean;
  /** RAM cache of decoded images, or its size in bytes (0 or null: none). */
  cache?: ImageCache | number | null;
  /** Default 'fail'. */
  badFiles?: BadFilePolicy;
  /** With 'skip': abort when more than this fraction of an epoch is unreadable (default 0.01). */
  maxSkipFraction?: number;
  /** MixUp / CutMix on each whole batch (labels become soft targets [B, C]), seeded by (seed, epoch, batch). */
  batchMix?: {
    /** A new mixed batch (labels as soft targets [B, C]); `batch` is left as it is, `rng` is the batch's own stream. */
    apply(batch: { images: Tensor; labels: Tensor }, rng: Rng): { images: Tensor; labels: Tensor };
  } | null;
  /** Warnings (skipped files, counts); default `console.warn`. */
  onWarning?: (message: string) => void;
}

interface EpochState {
  epoch: number;
  total: number;
  skipped: string[];
}

/** Seeded, parallel, prefetching batches of a data set. */
export class DataLoader {
  readonly dataset: ImageDataset;
  readonly batchSize: number;
  readonly sampler: Sampler;
  readonly dropLast: boolean;
  readonly seed: number;
  readonly prefetch: number;
  readonly cache: ImageCache | null;
  /** Files skipped in the last epoch run (with `badFiles: 'skip'`). */
  lastEpochSkipped: readonly string[] = [];
  readonly #options: DataLoaderOptions;
  readonly #limiter: AsyncLimiter;
  readonly #pool: BatchPool | null;

  constructor(options: DataLoaderOptions) {
    this.#options = options;
    this.dataset = options.dataset;
    this.batchSize = options.batchSize ?? loaderDefaults.batchSize;
    this.dropLast = options.dropLast ?? loaderDefaults.dropLast;
    this.seed = options.seed ?? loaderDefaults.seed;
    this.prefetch = options.prefetch ?? loaderDefaults.prefetch;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new DataError(`DataLoader: expected a positive integer batchSize, but got ${this.batchSize}`);
    if (!Number.isInteger(this.prefetch) || this.prefetch < 0)
      throw new DataError(`DataLoader: expected a non-negative integer prefetch, but got ${this.prefetch}`);
    this.sampler =
      options.sampler ??
      (options.shuffle ? new RandomSampler({ length: this.dataset.length, seed: this.seed }) : new SequentialSampler(this.dataset.length));
    this.#limiter = new AsyncLimiter(options.concurrency ?? 16);
    this.#pool = (options.reuseMemory ?? true) ? new BatchPool({ capacity: this.prefetch + 2 }) : null;
    const cache = options.cache ?? null;
    this.cache = typeof cache === 'number' ? (cache > 0 ? new ImageCache({ maxBytes: cache }) : null) : cache;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * The batches of epoch `epoch` (0-based), in order. Breaking out early is
   * fine: batches prepared ahead are disposed.
   *
   * `startBatch` skips the first batches without loading them: the order and
   * every sample's augmentation depend only on (seed, epoch, position), so a
   * run resumed mid-epoch sees exactly the batches it would have seen.
   *
   * @example
   * for await (const { images, labels } of loader.epoch(3)) { ... }
   * for await (const batch of loader.epoch(3, { startBatch: 120 })) { ... } // batches 120, 121, ...
   */
  async *epoch(epoch = 0, options: { startBatch?: number } = {}): AsyncGenerator<Batch, void, undefined> {
    const order = this.sampler.indices(epoch);
    const count = this.length;
    const startBatch = options.startBatch ?? 0;
    if (!Number.isInteger(startBatch) || startBatch < 0 || startBatch > count)
      throw new DataError(`DataLoader: expected startBatch to be an integer in [0, ${count}], but got ${startBatch}`);
    const state: EpochState = { epoch, total: order.length, skipped: [] };
    const pending: Promise<Batch | null>[] = [];
    let next = startBatch;
    const launch = (upTo: number): void => {
      while (next < count && pending.length < upTo) {
        const start = next * this.batchSize;
        const promise = this.#loadBatch(state, start, order.slice(start, start + this.batchSize));
        promise.catch(() => undefined); // awaited below; this only silences the early-rejection warning
        pending.push(promise);
        next++;
      }
    };
    try {
      while (next < count || pending.length > 0) {
        launch(Math.max(this.prefetch, 1));
        const batch = await pending.shift();
        launch(this.prefetch);
        if (batch) yield batch;
      }
    } finally {
      for (const promise of pending.splice(0)) dispose(await promise.catch(() => null));
      // Between epochs the loader holds no memory; batches given out keep theirs.
      this.#pool?.clear();
      this.lastEpochSkipped = state.skipped;
      if (state.skipped.length > 0)
        this.#warn(`DataLoader: skipped ${state.skipped.length} unreadable file(s) of ${state.total} in epoch ${epoch}`);
    }
  }

  /** Every batch of one epoch collected in an array (small data sets and tests). */
  async toArray(epoch = 0): Promise<Batch[]> {
    const out: Batch[] = [];
    for await (const batch of this.epoch(epoch)) out.push(batch);
    return out;
  }

  async #loadBatch(state: EpochState, start: number, indices: number[]): Promise<Batch | null> {
    const loaded = await Promise.all(indices.map((index, k) => this.#limiter.run(() => this.#loadSample(state, start + k, index))));
    const keep = indices.map((_, k) => k).filter((k) => loaded[k] !== null);
    if (keep.length === 0) return null;
    const kept = keep.map((k) => indices[k]);
    const { images, labels } = await collateAsync(
      {
        images: keep.map((k) => loaded[k] as RawImage),
        labels: this.#labels(kept),
        normalize: this.#options.normalize !== undefined ? this.#options.normalize : (this.#options.pipeline?.normalize ?? null),
        channelsLast: this.#options.channelsLast,
        describe: (p) => this.dataset.describe(kept[p]),
      },
      this.#pool ?? undefined,
    );
    const erasing = this.#options.pipeline?.erasing ?? null;
    let batch: Batch = { images, labels, indices: kept };
    try {
      if (erasing !== null) {
        const rngs = keep.map((k) => new Rng(this.seed, state.epoch + 1, start + k + 1, 1));
        batch = replaceImages(batch, erasing.applyToBatch(images, rngs));
      }
      const mix = this.#options.batchMix ?? null;
      // One stream per batch from (seed, epoch, first position): the same mix whatever the concurrency.
      if (mix !== null) batch = mixBatch(batch, mix.apply(batch, new Rng(this.seed, state.epoch + 1, start + 1, 2)));
    } catch (error) {
      dispose([batch.images, batch.labels]);
      throw error;
    }
    return batch;
  }

  /** Class indices, or multi-hot sets for a multi-label data set. */
  #labels(indices: readonly number[]): CollateOptions['labels'] {
    const sets = this.dataset.labelSets;
    if (sets === undefined) return indices.map((i) => this.dataset.targets[i]);
    return { sets: indices.map((i) => sets[i]), numClasses: this.dataset.classes.length };
  }

  async #loadSample(state: EpochState, position: number, index: number): Promise<RawImage | null> {
    try {
      const rng = Rng.forSample(this.seed, state.epoch, position);
      const pipeline = this.#options.pipeline ?? null;
      // A worker gets its own copy of cached pixels (postMessage clones them): no defensive copy here.
      const source = await this.#cachedSource(index, !(pipeline instanceof WorkerPipeline));
      if (pipeline?.runSample !== undefined) return await pipeline.runSample(source, { seed: this.seed, epoch: state.epoch, position });
      if (pipeline !== null) return await pipeline.run(source, rng);
      if (typeof source === 'string' || Buffer.isBuffer(source)) return await decodeImage(source, this.#decodeOptions());
      return source;
    } catch (error) {
      return this.#badFile(state, index, error);
    }
  }

  /** The sample's source; cached pixels are copied when `copy` (transforms may write into their input). */
  async #cachedSource(index: number, copy: boolean): Promise<ImageSource> {
    const source = this.dataset.source(index);
    if (!(typeof source === 'string' || Buffer.isBuffer(source))) {
      const channels = (this.#options.decode ?? this.#options.pipeline?.decode)?.channels;
      return channels === undefined ? source : withChannels(source, channels);
    }
    if (this.cache === null) return source;
    const image = this.cache.get(index) ?? this.cache.put(index, await decodeImage(source, this.#decodeOptions()));
    return copy ? { ...image, data: Buffer.from(image.data) } : image;
  }

  #decodeOptions(): DecodeOptions {
    return this.#options.decode ?? this.#options.pipeline?.decode ?? { channels: 3 };
  }

  #badFile(state: EpochState, index: number, error: unknown): null {
    const name = this.dataset.describe(index);
    const reason = error instanceof Error ? error.message : String(error);
    if ((this.#options.badFiles ?? loaderDefaults.badFiles) === 'fail') {
      if (error instanceof DataError && reason.includes(name)) throw error;
      throw new DataError(
        `DataLoader: expected a readable image at ${name}, but got: ${reason} (set badFiles: 'skip' to drop unreadable files)`,
        { cause: error },
      );
    }
    state.skipped.push(name);
    this.#warn(`DataLoader: skipping unreadable ${name}: ${reason}`);
    const maxFraction = this.#options.maxSkipFraction ?? loaderDefaults.maxSkipFraction;
    if (state.skipped.length > maxFraction * state.total) {
      throw new DataError(
        `DataLoader: expected at most ${maxFraction * 100}% unreadable files per epoch (maxSkipFraction), but got ${state.skipped.length} of ${state.total} in epoch ${state.epoch}`,
        { cause: error },
      );
    }
    return null;
  }

  #warn(message: string): void {
    (this.#options.onWarning ?? console.warn)(message);
  }
}

/** The batch with new images (the old ones freed unless the same tensor). */
function replaceImages(batch: Batch, images: Tensor): Batch {
  if (images !== batch.images) batch.images.dispose();
  return { ...batch, images };
}

/** The batch with mixed images and labels (the originals freed). */
function mixBatch(batch: Batch, mixed: { images: Tensor; labels: Tensor }): Batch {
  dispose([batch.images, batch.labels]);
  return { images: mixed.images, labels: mixed.labels, indices: batch.indices };
}

/** In-memory images (IDX) in the channel count the decode options ask for. */
function withChannels(image: RawImage, channels: 1 | 3): RawImage {
  if (image.channels === channels) return image;
  if (channels === 1) return toGrayscale(image);
  const n = image.width * image.height;
  const data = Buffer.allocUnsafe(n * 3);
  for (let i = 0; i < n; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = image.data[i];
  return { data, width: image.width, height: image.height, channels: 3 };
}
