/**
 * `TrivialAugmentWide` (Müller & Hutter, 2021): one op drawn uniformly, a
 * magnitude bin drawn uniformly, a random sign — torchvision 0.14's wide
 * magnitude space and order of draws, on the sample's `Rng`.
 *
 * @example
 * new TrivialAugmentWide().apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { applyAugmentOp, augmentOps, trivialAugmentWideSpace } from './functional/augment-ops.js';
import { fillFor, fillSchema, interpolationSchema, parseOptions } from './options.js';
import type { Transform } from './transform.js';

export const trivialAugmentWideSchema = z.strictObject({
  numMagnitudeBins: z.number().int().min(1).default(31),
  interpolation: interpolationSchema.default('nearest'),
  fill: fillSchema.nullable().default(null),
});
/** Options of `TrivialAugmentWide`. */
export type TrivialAugmentWideOptions = z.input<typeof trivialAugmentWideSchema>;

export class TrivialAugmentWide implements Transform {
  readonly name = 'TrivialAugmentWide';
  readonly options: z.output<typeof trivialAugmentWideSchema>;

  constructor(options: TrivialAugmentWideOptions = {}) {
    this.options = parseOptions(this.name, trivialAugmentWideSchema, options);
  }

  apply(image: RawImage, rng: Rng): RawImage {
    const fill = this.options.fill === null ? null : fillFor(this.options.fill, image.channels);
    const space = trivialAugmentWideSpace(this.options.numMagnitudeBins);
    const op = augmentOps[rng.int(0, augmentOps.length)];
    const { magnitudes, signed } = space[op];
    let m = magnitudes === null ? 0 : magnitudes[rng.int(0, magnitudes.length)];
    if (signed && rng.int(0, 2) === 1) m = -m;
    return applyAugmentOp(image, { op, magnitude: m, interpolation: this.options.interpolation, fill });
  }
}
