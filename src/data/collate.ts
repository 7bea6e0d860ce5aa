/**
 * Turns a list of decoded images into one batch tensor in a single pass over
 * the pixels: every uint8 value is looked up in a 256-entry float32 table per
 * channel that holds torchvision's `ToTensor` + `Normalize` result for it
 * (`(v / 255 - mean[c]) / std[c]`, each step rounded to float32, as libtorch
 * computes it: the table gives the same bits), and written straight into the
 * batch layout — planar [B, C, H, W], or interleaved for `channelsLast`
 * (a [B, H, W, C] tensor seen through a permuted view), by the native
 * `writeThroughTable`, straight into the memory of a libtorch tensor: no
 * copy of the batch and no further tensor passes.
 *
 * @example
 * const { images, labels } = collate({ images: [a, b], labels: [3, 1], normalize: { mean: [0.5], std: [0.5] } });
 * images.shape; // [2, 1, 28, 28]
 */
import { DataError } from '../errors.js';
import { releaseMemoryLease, tidy } from '../torch/memory.js';
import { empty, tensor } from '../torch/ops/creation.js';
import type { Tensor } from '../torch/tensor.js';
import type { BatchPool } from './batch-pool.js';
import type { LabelSets } from './dataset.js';
import type { RawImage } from './image.js';
import { multiHot } from './multi-hot.js';
import { writeThroughTable, writeThroughTableAsync } from './native-image.js';

/** Per-channel mean and std, in [0, 1] units (torchvision's Normalize). */
export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

/** A multi-label batch's targets: each image's positive classes, out of `numClasses`. */
export interface MultiHotLabels {
  sets: LabelSets;
  numClasses: number;
}

/** Options for `collate`. */
export interface CollateOptions {
  images: readonly RawImage[];
  /** One class index per image (-1 for unlabelled): int64 [B]; or label sets: multi-hot float32 [B, C]. */
  labels: ArrayLike<number> | MultiHotLabels;
  normalize?: Normalization | null;
  /** Return the images in channels-last memory format (same shape, NHWC strides). */
  channelsLast?: boolean;
  /** Names the images in messages (paths); default: their position. */
  describe?: (position: number) => string;
}

const f32 = Math.fround;

/** table[c * 256 + v]: float32 of channel c's value v after ToTensor (+ Normalize). */
function valueTables(channels: number, normalize: Normalization | null): Float32Array {
  const table = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    const mean = normalize === null ? 0 : f32(normalize.mean[normalize.mean.length === 1 ? 0 : c]);
    const std = normalize === null ? 1 : f32(normalize.std[normalize.std.length === 1 ? 0 : c]);
    for (let v = 0; v < 256; v++) {
      const unit = f32(v / 255);
      table[c * 256 + v] = normalize === null ? unit : f32(f32(unit - mean) / std);
    }
  }
  return table;
}

/** What both collates need, checked: sizes, the value table, the labels. */
function prepare(options: CollateOptions): {
  shape: number[];
  size: number;
  pixels: number;
  channels: 1 | 3;
  table: Float32Array;
  planar: boolean;
  labels: () => Tensor;
} {
  const { images } = options;
  if (images.length === 0) throw new DataError('collate: expected at least one image, but got an empty batch');
  const { width, height, channels } = images[0];
  const size = width * height * channels;
  images.forEach((image, i) => {
    if (image.width !== width || image.height !== height || image.channels !== channels || image.data.length !== size) {
      const name = options.describe?.(i) ?? `image ${i}`;
      throw new DataError(
        `collate: expected every image of a batch to be ${width}x${height}x${channels}, but got ${image.width}x${image.height}x${image.channels} for ${name} (add a Resize or CenterCrop transform)`,
      );
    }
  });
  const normalize = options.normalize ?? null;
  if (normalize !== null && ![normalize.mean, normalize.std].every((v) => v.length === channels || v.length === 1)) {
    throw new DataError(
      `collate: expected 1 or ${channels} normalization mean/std value(s) for ${channels}-channel images, but got mean [${normalize.mean.join(', ')}] and std [${normalize.std.join(', ')}]`,
    );
  }
  const planar = !(options.channelsLast ?? false);
  return {
    shape: planar ? [images.length, channels, height, width] : [images.length, height, width, channels],
    size,
    pixels: width * height,
    channels,
    table: valueTables(channels, normalize),
    planar,
    labels: labelsOf(options.labels, images.length),
  };
}

/** The labels tensor, made when the batch is (a check failing first leaves nothing to free). */
function labelsOf(labels: CollateOptions['labels'], count: number): () => Tensor {
  if ('sets' in labels) {
    if (labels.sets.length !== count)
      throw new DataError(`collate: expected ${count} label sets, one per image, but got ${labels.sets.length}`);
    return () => multiHot(labels.sets, labels.numClasses);
  }
  const indices = BigInt64Array.from(Array.from(labels, (v) => BigInt(v)));
  return () => tensor(indices);
}

/**
 * Stacks images into `{ images: float32 [B, C, H, W], labels: int64 [B] }`
 * (multi-hot float32 [B, C] labels when given label sets).
 * The caller owns both tensors (dispose them, or create them inside `tidy`).
 *
 * @example
 * const batch = collate({ images, labels, channelsLast: true });
 * batch.images.isContiguous('channelsLast'); // true
 */
export function collate(options: CollateOptions): { images: Tensor; labels: Tensor } {
  const p = prepare(options);
  return tidy(() => {
    // Written in place through a zero-copy view of libtorch's own memory: no second copy of the batch.
    const x = empty(p.shape);
    const out = x.dataShared() as Float32Array;
    options.images.forEach((image, i) => writeThroughTable(out, i * p.size, image.data, p.pixels, p.channels, p.table, p.planar));
    return { images: p.planar ? x : x.permute([0, 3, 1, 2]), labels: p.labels() };
  });
}

/**
 * `collate` with the pixel writes on libuv's thread pool, one per image: the
 * JS thread only allocates the batch (the loader uses this one). With a
 * `pool`, the batch's memory comes from it.
 *
 * @example
 * const batch = await collateAsync({ images, labels, normalize: { mean: [0.5], std: [0.5] } });
 */
export async function collateAsync(options: CollateOptions, pool?: BatchPool): Promise<{ images: Tensor; labels: Tensor }> {
  const p = prepare(options);
  const x = pool?.take(p.shape) ?? empty(p.shape);
  // A lease, not dataShared(): an ArrayBuffer per batch would count as V8 external memory and bring on garbage collections.
  const lease = x.memoryLease();
  // Every write settles before the lease is released (a lease with a write in flight cannot be).
  const writes = await Promise.allSettled(
    options.images.map((image, i) => writeThroughTableAsync(lease, i * p.size, image.data, p.pixels, p.channels, p.table, p.planar)),
  );
  releaseMemoryLease(lease);
  const failed = writes.find((w): w is PromiseRejectedResult => w.status === 'rejected');
  if (failed !== undefined) {
    x.dispose();
    throw failed.reason;
  }
  if (p.planar) return { images: x, labels: p.labels() };
  const images = x.permute([0, 3, 1, 2]);
  x.dispose();
  return { images, labels: p.labels() };
}
