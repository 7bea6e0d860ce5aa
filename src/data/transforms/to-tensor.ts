/**
 * `ToTensor`: a marker that keeps configs in torchvision's shape; the loader
 * turns uint8 HWC pixels into a float [C, H, W] batch scaled to 0-1.
 *
 * @example
 * buildTransforms([{ name: 'ToTensor' }, { name: 'Normalize' }]);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { parseOptions } from './options.js';
import type { BatchRole } from './transform.js';
import type { Transform } from './transform.js';

export const toTensorSchema = z.strictObject({});

export class ToTensor implements Transform {
  readonly name = 'ToTensor';

  constructor(options: Record<string, never> = {}) {
    parseOptions(this.name, toTensorSchema, options);
  }

  /** The loader's collate makes the float tensor: nothing per sample. */
  batchRole(): BatchRole {
    return {};
  }

  apply(image: RawImage, _rng: Rng): RawImage {
    return image;
  }
}
