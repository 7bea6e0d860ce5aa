/**
 * `RandomErasing` (Zhong et al., 2017): with probability `p`, a rectangle of
 * random area (`scale` of the image) and aspect ratio (`ratio`, log-uniform)
 * is set to `value` (a number, one per channel, or 'random' for standard
 * normal noise) — torchvision 0.14's `get_params` (10 tries, else nothing)
 * and order of draws, on each sample's `Rng`. It runs on the normalized
 * float batch, so in a pipeline it is a no-op per sample and the loader
 * calls `applyToBatch` after Normalize.
 *
 * @example
 * const erasing = new RandomErasing({ p: 0.25 });
 * erasing.applyToBatch(images, rngs); // images [B, C, H, W] float32, changed in place
 */
import { z } from 'zod';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import type { Box } from './functional/geometry.js';
import { roundHalfEven } from './functional/color.js';
import { parseOptions, probabilitySchema, rangeSchema } from './options.js';
import type { BatchRole } from './transform.js';
import type { Transform } from './transform.js';

export const randomErasingSchema = z.strictObject({
  p: probabilitySchema.default(0.5),
  scale: rangeSchema.default([0.02, 0.33]),
  ratio: rangeSchema.default([0.3, 3.3]),
  value: z.union([z.number(), z.array(z.number()).min(1), z.literal('random')]).default(0),
});
/** Options of `RandomErasing`. */
export type RandomErasingOptions = z.input<typeof randomErasingSchema>;

export class RandomErasing implements Transform {
  readonly name = 'RandomErasing';
  readonly options: z.output<typeof randomErasingSchema>;

  constructor(options: RandomErasingOptions = {}) {
    this.options = parseOptions(this.name, randomErasingSchema, options);
  }

  /** The loader erases on the normalized float batch (`applyToBatch`). */
  batchRole(): BatchRole {
    return { afterNormalize: this };
  }

  /** Per sample: nothing (erasing happens on the batch, see `applyToBatch`). */
  apply(image: RawImage, _rng: Rng): RawImage {
    return image;
  }

  /** The box to erase in a `height` × `width` image, or null (no erasing this time). */
  sampleBox(height: number, width: number, rng: Rng): Box | null {
    if (!(rng.random() < this.options.p)) return null;
    const { scale, ratio } = this.options;
    const area = height * width;
    const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
    for (let attempt = 0; attempt < 10; attempt++) {
      const eraseArea = area * rng.uniform(scale[0], scale[1]);
      const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
      const h = roundHalfEven(Math.sqrt(eraseArea * aspect));
      const w = roundHalfEven(Math.sqrt(eraseArea / aspect));
      if (!(h < height && w < width)) continue;
      const top = rng.int(0, height - h + 1);
      const left = rng.int(0, width - w + 1);
      return { top, left, height: h, width: w };
    }
    return null;
  }

  /** Erases in place in a float batch [B, C, H, W], one `Rng` per image; returns `images`. */
  applyToBatch(images: Tensor, rngs: readonly Rng[]): Tensor {
    const [batch, channels, height, width] = images.shape;
    if (rngs.length !== batch) throw new RangeError(`RandomErasing: expected ${batch} Rngs, one per image, but got ${rngs.length}`);
    const value = this.options.value;
    torch.tidy(() => {
      for (let b = 0; b < batch; b++) {
        const box = this.sampleBox(height, width, rngs[b]);
        if (box === null || box.height === 0 || box.width === 0) continue;
        const region = images.select(0, b).narrow(1, box.top, box.height).narrow(2, box.left, box.width);
        if (value === 'random') {
          const noise = new Float32Array(channels * box.height * box.width);
          for (let i = 0; i < noise.length; i++) noise[i] = rngs[b].normal();
          region.copy_(torch.tensor(noise, { shape: [channels, box.height, box.width] }).to({ dtype: images.dtype }));
        } else {
          const values = typeof value === 'number' ? [value] : value;
          for (let c = 0; c < channels; c++) region.select(0, c).fill_(values[values.length === 1 ? 0 : c]);
        }
      }
    });
    return images;
  }
}
