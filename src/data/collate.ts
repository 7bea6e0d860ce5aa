/**
 * Turns a list of decoded images into one batch tensor without a per-pixel
 * loop in JavaScript: the images' bytes are copied into one buffer, which
 * becomes a uint8 [B, H, W, C] tensor; libtorch then permutes it to
 * [B, C, H, W], converts to float in [0, 1] and normalizes (torchvision's
 * ToTensor + Normalize, done once for the whole batch). The permuted tensor
 * already has channels-last strides, so `channelsLast: true` costs nothing.
 *
 * @example
 * const { images, labels } = collate({ images: [a, b], labels: [3, 1], normalize: { mean: [0.5], std: [0.5] } });
 * images.shape; // [2, 1, 28, 28]
 */
import { DataError } from '../errors.js';
import { tidy } from '../torch/memory.js';
import { tensor } from '../torch/ops/creation.js';
import type { Tensor } from '../torch/tensor.js';
import type { RawImage } from './image.js';

/** Per-channel mean and std, in [0, 1] units (torchvision's Normalize). */
export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

/** Options for `collate`. */
export interface CollateOptions {
  images: readonly RawImage[];
  /** One class index per image (-1 for unlabelled). */
  labels: ArrayLike<number>;
  normalize?: Normalization | null;
  /** Return the images in channels-last memory format (same shape, NHWC strides). */
  channelsLast?: boolean;
  /** Names the images in messages (paths); default: their position. */
  describe?: (position: number) => string;
}

/**
 * Stacks images into `{ images: float32 [B, C, H, W], labels: int64 [B] }`.
 * The caller owns both tensors (dispose them, or create them inside `tidy`).
 *
 * @example
 * const batch = collate({ images, labels, channelsLast: true });
 * batch.images.isContiguous('channelsLast'); // true
 */
export function collate(options: CollateOptions): { images: Tensor; labels: Tensor } {
  const { images } = options;
  if (images.length === 0) throw new DataError('collate: expected at least one image, but got an empty batch');
  const { width, height, channels } = images[0];
  const size = width * height * channels;
  const bytes = Buffer.allocUnsafe(size * images.length);
  images.forEach((image, i) => {
    if (image.width !== width || image.height !== height || image.channels !== channels || image.data.length !== size) {
      const name = options.describe?.(i) ?? `image ${i}`;
      throw new DataError(`collate: expected every image of a batch to be ${width}x${height}x${channels}, but got ${image.width}x${image.height}x${image.channels} for ${name} (add a Resize or CenterCrop transform)`);
    }
    image.data.copy(bytes, i * size, 0, size);
  });
  const normalize = options.normalize ?? null;
  const perChannel = (values: readonly number[]): number[] => (values.length === 1 ? new Array<number>(channels).fill(values[0]) : [...values]);
  if (normalize !== null && ![normalize.mean, normalize.std].every((v) => v.length === channels || v.length === 1)) {
    throw new DataError(`collate: expected 1 or ${channels} normalization mean/std value(s) for ${channels}-channel images, but got mean [${normalize.mean.join(', ')}] and std [${normalize.std.join(', ')}]`);
  }
  const labelData = BigInt64Array.from(Array.from(options.labels, (v) => BigInt(v)));
  return tidy(() => {
    const u8 = tensor(bytes, { shape: [images.length, height, width, channels] });
    const x = u8.permute([0, 3, 1, 2]).float().div_(255);
    if (normalize !== null) {
      x.sub_(tensor(Float32Array.from(perChannel(normalize.mean)), { shape: [1, channels, 1, 1] }));
      x.div_(tensor(Float32Array.from(perChannel(normalize.std)), { shape: [1, channels, 1, 1] }));
    }
    return { images: x.contiguous(options.channelsLast ? 'channelsLast' : 'contiguous'), labels: tensor(labelData) };
  });
}
