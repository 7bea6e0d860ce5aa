/**
 * `RandomCrop`: optional constant padding (one value, [left/right, top/bottom]
 * or [left, top, right, bottom]), `padIfNeeded` to reach the crop size, then
 * a uniformly placed crop — torchvision's order of draws (top, then left).
 * Only constant padding is supported (torchvision also has edge/reflect/symmetric).
 *
 * @example
 * new RandomCrop({ size: 32, padding: 4 }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { crop, pad } from './functional/geometry.js';
import { fillFor, fillSchema, parseOptions, sizeSchema, toHeightWidth } from './options.js';
import type { Transform } from './transform.js';

export const randomCropSchema = z.strictObject({
  size: sizeSchema,
  padding: z
    .union([
      z.number().int().min(0),
      z.array(z.number().int().min(0)).refine((p) => [1, 2, 4].includes(p.length), 'expected 1, 2 or 4 values'),
    ])
    .optional(),
  padIfNeeded: z.boolean().default(false),
  fill: fillSchema.default(0),
});
/** Options of `RandomCrop`. */
export type RandomCropOptions = z.input<typeof randomCropSchema>;

function sides(padding: number | number[]): { left: number; top: number; right: number; bottom: number } {
  const p = typeof padding === 'number' ? [padding] : padding;
  if (p.length === 1) return { left: p[0], top: p[0], right: p[0], bottom: p[0] };
  if (p.length === 2) return { left: p[0], top: p[1], right: p[0], bottom: p[1] };
  return { left: p[0], top: p[1], right: p[2], bottom: p[3] };
}

export class RandomCrop implements Transform {
  readonly name = 'RandomCrop';
  readonly options: z.output<typeof randomCropSchema>;
  readonly #size: [number, number];

  constructor(options: RandomCropOptions) {
    this.options = parseOptions(this.name, randomCropSchema, options);
    this.#size = toHeightWidth(this.options.size);
  }

  apply(image: RawImage, rng: Rng): RawImage {
    const fill = fillFor(this.options.fill, image.channels);
    let img = this.options.padding === undefined ? image : pad(image, sides(this.options.padding), fill);
    const [th, tw] = this.#size;
    if (this.options.padIfNeeded && img.width < tw) {
      const d = tw - img.width;
      img = pad(img, { left: d, right: d, top: 0, bottom: 0 }, fill);
    }
    if (this.options.padIfNeeded && img.height < th) {
      const d = th - img.height;
      img = pad(img, { left: 0, right: 0, top: d, bottom: d }, fill);
    }
    if (img.width < tw || img.height < th) {
      throw new RangeError(
        `RandomCrop: expected an image of at least ${tw}×${th} after padding, but got ${img.width}×${img.height} (set padIfNeeded: true)`,
      );
    }
    if (img.width === tw && img.height === th) return img;
    const top = rng.int(0, img.height - th + 1);
    const left = rng.int(0, img.width - tw + 1);
    return crop(img, { top, left, height: th, width: tw });
  }
}
