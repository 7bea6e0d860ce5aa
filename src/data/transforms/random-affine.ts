/**
 * `RandomAffine`: angle uniform in `degrees`, translation up to
 * `translate` × size (rounded half-to-even), scale uniform in `scale`, shear
 * uniform in `shear` (x only, or x and y) — torchvision 0.14's `get_params`,
 * in its order of draws; the warp is `F.affine` on tensors (nearest or
 * bilinear, `fill` outside).
 *
 * @example
 * new RandomAffine({ degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1] }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { affine } from './functional/geometry.js';
import type { AffineParams } from './functional/geometry.js';
import { roundHalfEven } from './functional/color.js';
import { fillFor, fillSchema, interpolationSchema, parseOptions, rangeSchema } from './options.js';
import type { Transform } from './transform.js';

const degrees = z.union([z.number().min(0), rangeSchema]);
export const randomAffineSchema = z.strictObject({
  degrees: degrees,
  translate: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).optional(),
  scale: rangeSchema.optional(),
  shear: z.union([z.number().min(0), rangeSchema, z.tuple([z.number(), z.number(), z.number(), z.number()])]).optional(),
  interpolation: interpolationSchema.default('nearest'),
  fill: fillSchema.default(0),
  center: z.tuple([z.number(), z.number()]).optional(),
});
/** Options of `RandomAffine`. */
export type RandomAffineOptions = z.input<typeof randomAffineSchema>;

const symmetric = (v: number | readonly number[]): number[] => (typeof v === 'number' ? [-v, v] : [...v]);

export class RandomAffine implements Transform {
  readonly name: string = 'RandomAffine';
  readonly options: z.output<typeof randomAffineSchema>;

  constructor(options: RandomAffineOptions) {
    this.options = parseOptions('RandomAffine', randomAffineSchema, options);
  }

  /** torchvision's `RandomAffine.get_params` for an image of `width` × `height`. */
  sampleParams(width: number, height: number, rng: Rng): AffineParams {
    const { translate, scale, shear, center } = this.options;
    const [d0, d1] = symmetric(this.options.degrees);
    const angle = rng.uniform(d0, d1);
    let tx = 0;
    let ty = 0;
    if (translate !== undefined) {
      const maxDx = translate[0] * width;
      const maxDy = translate[1] * height;
      tx = roundHalfEven(rng.uniform(-maxDx, maxDx));
      ty = roundHalfEven(rng.uniform(-maxDy, maxDy));
    }
    const s = scale === undefined ? 1 : rng.uniform(scale[0], scale[1]);
    const shears = shear === undefined ? null : symmetric(shear);
    const shearX = shears === null ? 0 : rng.uniform(shears[0], shears[1]);
    const shearY = shears !== null && shears.length === 4 ? rng.uniform(shears[2], shears[3]) : 0;
    return { angle, translate: [tx, ty], scale: s, shear: [shearX, shearY], center };
  }

  apply(image: RawImage, rng: Rng): RawImage {
    const params = this.sampleParams(image.width, image.height, rng);
    return affine(image, params, { interpolation: this.options.interpolation, fill: fillFor(this.options.fill, image.channels) });
  }
}
