/**
 * `Resize`: the shorter side to `size` (keeping the aspect ratio, the longer
 * side capped by `maxSize`), or exactly [height, width]. Bilinear is PIL's
 * BILINEAR (torchvision's `antialias=True`); bicubic is PIL's BICUBIC,
 * exactly (`resampleBicubic`, after decoding). In a pipeline a bilinear
 * resize fuses with decoding (and JPEG shrink-on-load).
 *
 * @example
 * new Resize({ size: 256 }).apply(image, rng); // 512×384 → 341×256
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { resize, shorterSideSize } from './functional/geometry.js';
import { maxImageSide, parseOptions, resizeInterpolationSchema, sizeSchema } from './options.js';
import type { DecodePlan, DecodeRole } from './transform.js';
import type { Transform } from './transform.js';

export const resizeSchema = z.strictObject({
  size: sizeSchema,
  maxSize: z.number().int().positive().max(maxImageSide).optional(),
  interpolation: resizeInterpolationSchema.default('bilinear'),
});
/** Options of `Resize`. */
export type ResizeOptions = z.input<typeof resizeSchema>;

export class Resize implements Transform {
  readonly name = 'Resize';
  readonly options: z.output<typeof resizeSchema>;

  constructor(options: ResizeOptions) {
    this.options = parseOptions(this.name, resizeSchema, options);
  }

  /** The output [height, width] for an input size. */
  outputSize(width: number, height: number): { width: number; height: number } {
    const { size, maxSize } = this.options;
    const [h, w] = typeof size === 'number' ? shorterSideSize(height, width, size, maxSize) : size;
    return { width: w, height: h };
  }

  planDecode(size: { width: number; height: number }): DecodePlan {
    return { resize: this.outputSize(size.width, size.height), interpolation: this.options.interpolation };
  }

  /** Opens the fused decode with a whole-image resize, so a CenterCrop after it keeps only its pixels. */
  decodeRole(): DecodeRole {
    return { open: { resizesWhole: true, plan: (size) => this.planDecode(size) } };
  }

  async apply(image: RawImage, _rng: Rng): Promise<RawImage> {
    return resize(image, this.outputSize(image.width, image.height), this.options.interpolation);
  }
}
