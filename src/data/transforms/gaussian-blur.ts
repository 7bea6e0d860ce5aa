/**
 * `GaussianBlur`: sigma uniform in [sigma[0], sigma[1]] per sample, a
 * `kernelSize` (odd, one or [x, y]) kernel with reflect padding — torchvision's
 * `F.gaussian_blur` on tensors, computed separably in float64 (results agree
 * within one level).
 *
 * @example
 * new GaussianBlur({ kernelSize: 23, sigma: [0.1, 2] }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { gaussianBlur } from './functional/geometry.js';
import { parseOptions } from './options.js';
import type { Transform } from './transform.js';

const odd = z
  .number()
  .int()
  .positive()
  .refine((k) => k % 2 === 1, 'expected an odd kernel size');
export const gaussianBlurSchema = z.strictObject({
  kernelSize: z.union([odd, z.tuple([odd, odd])]),
  sigma: z.union([z.number().positive(), z.tuple([z.number().positive(), z.number().positive()])]).default([0.1, 2]),
});
/** Options of `GaussianBlur`. */
export type GaussianBlurOptions = z.input<typeof gaussianBlurSchema>;

export class GaussianBlur implements Transform {
  readonly name = 'GaussianBlur';
  readonly kernelSize: [number, number];
  readonly sigma: [number, number];

  constructor(options: GaussianBlurOptions) {
    const o = parseOptions(this.name, gaussianBlurSchema, options);
    this.kernelSize = typeof o.kernelSize === 'number' ? [o.kernelSize, o.kernelSize] : o.kernelSize;
    this.sigma = typeof o.sigma === 'number' ? [o.sigma, o.sigma] : o.sigma;
  }

  apply(image: RawImage, rng: Rng): RawImage {
    const s = rng.uniform(this.sigma[0], this.sigma[1]);
    return gaussianBlur(image, this.kernelSize, [s, s]);
  }
}
