/**
 * `RandomGrayscale`: with probability `p`, replaces the image by its
 * grayscale (torchvision's tensor weights 0.2989/0.587/0.114) with the same
 * number of channels.
 *
 * @example
 * new RandomGrayscale({ p: 0.1 }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { rgbToGrayscale } from './functional/color.js';
import { parseOptions, probabilitySchema } from './options.js';
import type { Transform } from './transform.js';

export const randomGrayscaleSchema = z.strictObject({ p: probabilitySchema.default(0.1) });
/** Options of `RandomGrayscale`. */
export type RandomGrayscaleOptions = z.input<typeof randomGrayscaleSchema>;

export class RandomGrayscale implements Transform {
  readonly name = 'RandomGrayscale';
  readonly p: number;

  constructor(options: RandomGrayscaleOptions = {}) {
    this.p = parseOptions(this.name, randomGrayscaleSchema, options).p;
  }

  apply(image: RawImage, rng: Rng): RawImage {
    if (!(rng.random() < this.p) || image.channels === 1) return image;
    return rgbToGrayscale(image, 3);
  }
}
