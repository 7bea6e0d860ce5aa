/**
 * `RandomHorizontalFlip`: mirrors left-right with probability `p` (one draw per sample).
 *
 * @example
 * new RandomHorizontalFlip({ p: 0.5 }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { hflip } from './functional/geometry.js';
import { parseOptions, probabilitySchema } from './options.js';
import type { DecodeRole } from './transform.js';
import type { Transform } from './transform.js';

export const randomHorizontalFlipSchema = z.strictObject({ p: probabilitySchema.default(0.5) });
/** Options of `RandomHorizontalFlip`. */
export type RandomHorizontalFlipOptions = z.input<typeof randomHorizontalFlipSchema>;

export class RandomHorizontalFlip implements Transform {
  readonly name = 'RandomHorizontalFlip';
  readonly p: number;

  constructor(options: RandomHorizontalFlipOptions = {}) {
    this.p = parseOptions(this.name, randomHorizontalFlipSchema, options).p;
  }

  /** Whether this sample flips: one draw from `rng`, as `apply` makes (the pipeline uses it to fuse the flip into a resize). */
  draw(rng: Rng): boolean {
    return rng.random() < this.p;
  }

  /** Folds into a crop/resize right before it as a mirror, drawn as `apply` draws. */
  decodeRole(): DecodeRole {
    return { mirror: (rng) => this.draw(rng) };
  }

  apply(image: RawImage, rng: Rng): RawImage {
    return this.draw(rng) ? hflip(image) : image;
  }
}
