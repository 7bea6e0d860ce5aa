/**
 * `CenterCrop`: torchvision's centre crop (top = round((H - h) / 2)); a crop
 * larger than the image pads with zeros first, as torchvision does.
 *
 * @example
 * new CenterCrop({ size: 224 }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { crop } from './functional/geometry.js';
import type { Box } from './functional/geometry.js';
import { roundHalfEven } from './functional/color.js';
import { parseOptions, sizeSchema, toHeightWidth } from './options.js';
import type { DecodePlan, DecodeRole } from './transform.js';
import type { Transform } from './transform.js';

export const centerCropSchema = z.strictObject({ size: sizeSchema });
/** Options of `CenterCrop`. */
export type CenterCropOptions = z.input<typeof centerCropSchema>;

/** The crop box `F.center_crop` takes (it may reach outside a small image). */
export function centerCropBox(width: number, height: number, cropHeight: number, cropWidth: number): Box {
  let w = width;
  let h = height;
  let offX = 0;
  let offY = 0;
  if (cropWidth > width || cropHeight > height) {
    offX = cropWidth > width ? Math.floor((cropWidth - width) / 2) : 0;
    offY = cropHeight > height ? Math.floor((cropHeight - height) / 2) : 0;
    w = width + offX + (cropWidth > width ? Math.floor((cropWidth - width + 1) / 2) : 0);
    h = height + offY + (cropHeight > height ? Math.floor((cropHeight - height + 1) / 2) : 0);
  }
  const top = roundHalfEven((h - cropHeight) / 2) - offY;
  const left = roundHalfEven((w - cropWidth) / 2) - offX;
  return { top, left, height: cropHeight, width: cropWidth };
}

export class CenterCrop implements Transform {
  readonly name = 'CenterCrop';
  readonly options: z.output<typeof centerCropSchema>;
  readonly #size: [number, number];

  constructor(options: CenterCropOptions) {
    this.options = parseOptions(this.name, centerCropSchema, options);
    this.#size = toHeightWidth(this.options.size);
  }

  planDecode(size: { width: number; height: number }): DecodePlan | null {
    const box = centerCropBox(size.width, size.height, this.#size[0], this.#size[1]);
    if (box.top < 0 || box.left < 0) return null;
    return { crop: box };
  }

  /** Opens the fused decode with its crop, or keeps a crop of a whole-image resize before it; draws nothing. */
  decodeRole(): DecodeRole {
    return {
      open: { resizesWhole: false, plan: (size) => this.planDecode(size) },
      cropResized: (resized) => this.planDecode(resized)?.crop ?? null,
    };
  }

  apply(image: RawImage, _rng: Rng): RawImage {
    return crop(image, centerCropBox(image.width, image.height, this.#size[0], this.#size[1]));
  }
}
