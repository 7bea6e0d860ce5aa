/**
 * `MixUp` (Zhang et al., 2018) on a batch, as torchvision v2 / timm do it:
 * λ ~ Beta(α, α) once per batch, every image blended with the batch rolled
 * by one, targets one-hot and blended the same way.
 *
 * @example
 * const mixup = new MixUp({ alpha: 0.2, numClasses: 10 });
 * const { images, labels } = mixup.apply({ images, labels }, rng); // labels [B, 10] float32
 */
import { z } from 'zod';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { roll } from '../../torch/ops/shape.js';
import type { Rng } from '../random.js';
import { parseOptions } from './options.js';

/** A collated batch: images [B, C, H, W] float32 and labels [B] int64 (or soft labels [B, K]). */
export interface Batch {
  images: Tensor;
  labels: Tensor;
}

export const mixUpSchema = z.strictObject({ alpha: z.number().positive().default(1), numClasses: z.number().int().positive() });
/** Options of `MixUp` and `CutMix`. */
export type MixUpOptions = z.input<typeof mixUpSchema>;

/** Int64 labels to float one-hot rows; soft labels and multi-hot rows ([B, C]) pass through, so both blend linearly. */
export function softTargets(labels: Tensor, numClasses: number): Tensor {
  if (labels.ndim === 2) return labels.to({ dtype: 'float32' });
  return torch.oneHot(labels, numClasses).to({ dtype: 'float32' });
}

/**
 * Blends every image of a batch with its neighbour (the batch rolled by one) by one λ ~ Beta(α, α), and the labels as soft
 * targets; the data module applies it to training batches when `batchMix.mixup` is set.
 *
 * @example
 * new MixUp({ alpha: 0.2, numClasses: 10 }).apply({ images, labels }, new Rng(42)); // { images, labels [B, 10], lambda }
 */
export class MixUp {
  readonly name = 'MixUp';
  readonly alpha: number;
  readonly numClasses: number;

  constructor(options: MixUpOptions) {
    const o = parseOptions(this.name, mixUpSchema, options);
    this.alpha = o.alpha;
    this.numClasses = o.numClasses;
  }

  /** A new mixed batch (the input tensors are left as they are; the caller owns both). */
  apply(batch: Batch, rng: Rng): Batch & { lambda: number } {
    const lambda = rng.beta(this.alpha, this.alpha);
    const result = torch.tidy(() => {
      const targets = softTargets(batch.labels, this.numClasses);
      const images = roll(batch.images, [1], [0])
        .mul(1 - lambda)
        .add(batch.images.mul(lambda));
      const labels = roll(targets, [1], [0])
        .mul(1 - lambda)
        .add(targets.mul(lambda));
      return { images, labels };
    });
    return { ...result, lambda };
  }
}
