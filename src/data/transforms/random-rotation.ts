/**
 * `RandomRotation`: angle uniform in `degrees` (a number d means [-d, d]),
 * counter-clockwise, about the centre (or `center`), same output size
 * (torchvision's `expand=True` is not supported); `F.rotate` on tensors.
 *
 * @example
 * new RandomRotation({ degrees: 15, interpolation: 'bilinear' }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { affine } from './functional/geometry.js';
import { fillFor, fillSchema, interpolationSchema, parseOptions, rangeSchema } from './options.js';
import type { Transform } from './transform.js';

export const randomRotationSchema = z.strictObject({
  degrees: z.union([z.number().min(0), rangeSchema]),
  interpolation: interpolationSchema.default('nearest'),
  fill: fillSchema.default(0),
  center: z.tuple([z.number(), z.number()]).optional(),
});
/** Options of `RandomRotation`. */
export type RandomRotationOptions = z.input<typeof randomRotationSchema>;

export class RandomRotation implements Transform {
  readonly name = 'RandomRotation';
  readonly options: z.output<typeof randomRotationSchema>;

  constructor(options: RandomRotationOptions) {
    this.options = parseOptions(this.name, randomRotationSchema, options);
  }

  apply(image: RawImage, rng: Rng): RawImage {
    const d = this.options.degrees;
    const angle = typeof d === 'number' ? rng.uniform(-d, d) : rng.uniform(d[0], d[1]);
    return affine(
      image,
      { angle: -angle, translate: [0, 0], scale: 1, shear: [0, 0], center: this.options.center },
      { interpolation: this.options.interpolation, fill: fillFor(this.options.fill, image.channels) },
    );
  }
}
