/**
 * `Normalize`: (x - mean) / std per channel on the 0-1 scale, ImageNet's
 * statistics by default. The loader applies it to the float batch (see
 * `ImagePipeline.normalize`); per sample it is a no-op.
 *
 * @example
 * new Normalize({ mean: [0.5], std: [0.5] });
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { parseOptions } from './options.js';
import type { BatchRole } from './transform.js';
import type { Transform } from './transform.js';

/** ImageNet's per-channel mean and std (RGB, 0-1 scale). */
export const imagenetMean = [0.485, 0.456, 0.406];
export const imagenetStd = [0.229, 0.224, 0.225];

export const normalizeSchema = z
  .strictObject({
    mean: z.array(z.number()).min(1).default(imagenetMean),
    std: z.array(z.number().positive()).min(1).default(imagenetStd),
  })
  .refine((o) => o.mean.length === o.std.length, { message: 'expected mean and std of the same length', path: ['std'] });
/** Options of `Normalize`. */
export type NormalizeOptions = z.input<typeof normalizeSchema>;

export class Normalize implements Transform {
  readonly name = 'Normalize';
  readonly mean: number[];
  readonly std: number[];

  constructor(options: NormalizeOptions = {}) {
    const o = parseOptions(this.name, normalizeSchema, options);
    this.mean = o.mean;
    this.std = o.std;
  }

  /** The loader normalizes the float batch with these statistics. */
  batchRole(): BatchRole {
    return { normalize: { mean: this.mean, std: this.std } };
  }

  /** Per sample: nothing (the loader normalizes the batch tensor). */
  apply(image: RawImage, _rng: Rng): RawImage {
    return image;
  }
}
