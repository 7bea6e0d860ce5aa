/**
 * `RandAugment` (Cubuk et al., 2019): `numOps` ops drawn uniformly from
 * torchvision's 14, each at bin `magnitude` of `numMagnitudeBins`, with a
 * random sign for signed ops — torchvision 0.14's op list, magnitudes and
 * order of draws (op index, then sign), on the sample's `Rng`.
 *
 * @example
 * new RandAugment({ numOps: 2, magnitude: 9 }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { applyAugmentOp, augmentOps, randAugmentSpace } from './functional/augment-ops.js';
import { fillFor, fillSchema, interpolationSchema, parseOptions } from './options.js';
import type { Transform } from './transform.js';

export const randAugmentSchema = z
  .strictObject({
    numOps: z.number().int().min(0).default(2),
    magnitude: z.number().int().min(0).default(9),
    numMagnitudeBins: z.number().int().min(1).default(31),
    interpolation: interpolationSchema.default('nearest'),
    fill: fillSchema.nullable().default(null),
  })
  .refine((o) => o.magnitude < o.numMagnitudeBins, { message: 'expected magnitude < numMagnitudeBins', path: ['magnitude'] });
/** Options of `RandAugment`. */
export type RandAugmentOptions = z.input<typeof randAugmentSchema>;

export class RandAugment implements Transform {
  readonly name = 'RandAugment';
  readonly options: z.output<typeof randAugmentSchema>;

  constructor(options: RandAugmentOptions = {}) {
    this.options = parseOptions(this.name, randAugmentSchema, options);
  }

  apply(image: RawImage, rng: Rng): RawImage {
    const { numOps, magnitude, numMagnitudeBins, interpolation } = this.options;
    const fill = this.options.fill === null ? null : fillFor(this.options.fill, image.channels);
    const space = randAugmentSpace(numMagnitudeBins, image.height, image.width);
    let out = image;
    for (let k = 0; k < numOps; k++) {
      const op = augmentOps[rng.int(0, augmentOps.length)];
      const { magnitudes, signed } = space[op];
      let m = magnitudes === null ? 0 : magnitudes[magnitude];
      if (signed && rng.int(0, 2) === 1) m = -m;
      out = applyAugmentOp(out, { op, magnitude: m, interpolation, fill });
    }
    return out;
  }
}
