/**
 * `RandomVerticalFlip`: mirrors top-bottom with probability `p` (one draw per sample).
 *
 * @example
 * new RandomVerticalFlip({ p: 0.5 }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { vflip } from './functional/geometry.js';
import { parseOptions, probabilitySchema } from './options.js';
import type { Transform } from './transform.js';

export const randomVerticalFlipSchema = z.strictObject({ p: probabilitySchema.default(0.5) });
/** Options of `RandomVerticalFlip`. */
export type RandomVerticalFlipOptions = z.input<typeof randomVerticalFlipSchema>;

export class RandomVerticalFlip implements Transform {
  readonly name = 'RandomVerticalFlip';
  readonly p: number;

  constructor(options: RandomVerticalFlipOptions = {}) {
    this.p = parseOptions(this.name, randomVerticalFlipSchema, options).p;
  }

  apply(image: RawImage, rng: Rng): RawImage {
    return rng.random() < this.p ? vflip(image) : image;
  }
}
