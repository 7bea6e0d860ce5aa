/**
 * `RandomResizedCrop`: torchvision's crop of random area and aspect ratio,
 * resized to `size`. Parameter sampling is torchvision 0.14's `get_params`
 * (10 tries with a log-uniform ratio, then the centre-crop fallback), drawn
 * from the sample's `Rng` instead of torch's generator. A crop that grows
 * on either axis is resized with PIL's BILINEAR bit for bit (`resamplePil`);
 * a crop that shrinks on both goes through libvips' antialiased bilinear
 * (values differ from PIL by a level or two on sharp edges). In a pipeline
 * it fuses with decoding, and a RandomHorizontalFlip right after it is
 * folded into the resize (same bytes as a separate flip).
 *
 * @example
 * new RandomResizedCrop({ size: 224, scale: [0.08, 1] }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { crop, resize } from './functional/geometry.js';
import type { Box } from './functional/geometry.js';
import { roundHalfEven } from './functional/color.js';
import { interpolationSchema, parseOptions, rangeSchema, sizeSchema, toHeightWidth } from './options.js';
import type { DecodePlan, DecodeRole } from './transform.js';
import type { Transform } from './transform.js';

export const randomResizedCropSchema = z.strictObject({
  size: sizeSchema,
  scale: rangeSchema.default([0.08, 1]),
  ratio: rangeSchema.default([3 / 4, 4 / 3]),
  interpolation: interpolationSchema.default('bilinear'),
});
/** Options of `RandomResizedCrop` (size is an edge or [height, width]). */
export type RandomResizedCropOptions = z.input<typeof randomResizedCropSchema>;

/** torchvision's `RandomResizedCrop.get_params` for an image of `width` × `height`. */
export function randomResizedCropParams(
  width: number,
  height: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  rng: Rng,
): Box {
  const area = height * width;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(0, height - h + 1);
      const left = rng.int(0, width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(...ratio)) h = roundHalfEven(w / Math.min(...ratio));
  else if (inRatio > Math.max(...ratio)) w = roundHalfEven(h * Math.max(...ratio));
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

export class RandomResizedCrop implements Transform {
  readonly name = 'RandomResizedCrop';
  readonly options: z.output<typeof randomResizedCropSchema>;
  readonly #size: [number, number];

  constructor(options: RandomResizedCropOptions) {
    this.options = parseOptions(this.name, randomResizedCropSchema, options);
    this.#size = toHeightWidth(this.options.size);
  }

  planDecode(size: { width: number; height: number }, rng: Rng): DecodePlan {
    const box = randomResizedCropParams(size.width, size.height, this.options.scale, this.options.ratio, rng);
    return { crop: box, resize: { height: this.#size[0], width: this.#size[1] }, interpolation: this.options.interpolation };
  }

  /** Opens the fused decode with its crop and resize. */
  decodeRole(): DecodeRole {
    return { open: { resizesWhole: false, plan: (size, rng) => this.planDecode(size, rng) } };
  }

  async apply(image: RawImage, rng: Rng): Promise<RawImage> {
    const box = randomResizedCropParams(image.width, image.height, this.options.scale, this.options.ratio, rng);
    return resize(crop(image, box), { height: this.#size[0], width: this.#size[1] }, this.options.interpolation);
  }
}
