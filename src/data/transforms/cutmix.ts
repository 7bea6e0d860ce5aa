/**
 * `CutMix` (Yun et al., 2019) on a batch, as torchvision v2 does it:
 * λ ~ Beta(α, α), a box centred uniformly with sides √(1-λ)·(W, H) clipped to
 * the image is pasted from the batch rolled by one, and the targets are
 * blended with the area-corrected λ = 1 - box area / image area.
 *
 * @example
 * const cutmix = new CutMix({ alpha: 1, numClasses: 10 });
 * const { images, labels } = cutmix.apply({ images, labels }, rng);
 */
import * as torch from '../../torch/index.js';
import { roll } from '../../torch/ops/shape.js';
import type { Rng } from '../random.js';
import type { Box } from './functional/geometry.js';
import { mixUpSchema, softTargets } from './mixup.js';
import type { Batch, MixUpOptions } from './mixup.js';
import { parseOptions } from './options.js';

/** torchvision v2's CutMix box for λ in an H × W image. */
export function cutMixBox(height: number, width: number, lambda: number, rng: Rng): Box {
  const rx = rng.int(0, width);
  const ry = rng.int(0, height);
  const r = 0.5 * Math.sqrt(1 - lambda);
  const rw = Math.trunc(r * width);
  const rh = Math.trunc(r * height);
  const x1 = Math.max(rx - rw, 0);
  const y1 = Math.max(ry - rh, 0);
  const x2 = Math.min(rx + rw, width);
  const y2 = Math.min(ry + rh, height);
  return { top: y1, left: x1, height: y2 - y1, width: x2 - x1 };
}

/**
 * Pastes one box of each image's neighbour (the batch rolled by one) into it, with labels blended by the box's area;
 * the data module applies it to training batches when `batchMix.cutmix` is set.
 *
 * @example
 * new CutMix({ alpha: 1, numClasses: 10 }).apply({ images, labels }, new Rng(42)); // { images, labels [B, 10], lambda, box }
 */
export class CutMix {
  readonly name = 'CutMix';
  readonly alpha: number;
  readonly numClasses: number;

  constructor(options: MixUpOptions) {
    const o = parseOptions(this.name, mixUpSchema, options);
    this.alpha = o.alpha;
    this.numClasses = o.numClasses;
  }

  /** A new batch with the box pasted (inputs untouched); `lambda` is the area-corrected weight. */
  apply(batch: Batch, rng: Rng): Batch & { lambda: number; box: Box } {
    const lambda0 = rng.beta(this.alpha, this.alpha);
    const [, , height, width] = batch.images.shape;
    const box = cutMixBox(height, width, lambda0, rng);
    const lambda = 1 - (box.height * box.width) / (height * width);
    const result = torch.tidy(() => {
      const rolled = roll(batch.images, [1], [0]);
      const images = batch.images.clone();
      if (box.height > 0 && box.width > 0) {
        images
          .narrow(2, box.top, box.height)
          .narrow(3, box.left, box.width)
          .copy_(rolled.narrow(2, box.top, box.height).narrow(3, box.left, box.width));
      }
      const targets = softTargets(batch.labels, this.numClasses);
      const labels = roll(targets, [1], [0])
        .mul(1 - lambda)
        .add(targets.mul(lambda));
      return { images, labels };
    });
    return { ...result, lambda, box };
  }
}
