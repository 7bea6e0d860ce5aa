/**
 * `ColorJitter`: brightness, contrast, saturation and hue in a random order,
 * each factor uniform in its range — torchvision 0.14's `get_params` (a
 * permutation of the four, then the four factors) and its tensor formulas:
 * brightness blends with black, contrast with the mean of the grayscale
 * image, saturation with the grayscale image, hue rotates H in HSV.
 * Brightness, contrast and saturation run fused (`adjustColors`: two passes
 * over the pixels, the same bytes as running them one by one); hue, when
 * asked for, runs as its own pass between them.
 *
 * @example
 * new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { adjustHue } from './functional/color.js';
import { adjustColors } from './functional/fused-color.js';
import type { ColorStep } from './functional/fused-color.js';
import { parseOptions } from './options.js';
import type { Transform } from './pipeline.js';

const factor = z.union([z.number().min(0), z.tuple([z.number().min(0), z.number().min(0)])]);
export const colorJitterSchema = z.strictObject({
  brightness: factor.default(0),
  contrast: factor.default(0),
  saturation: factor.default(0),
  hue: z.union([z.number().min(0).max(0.5), z.tuple([z.number().min(-0.5).max(0.5), z.number().min(-0.5).max(0.5)])]).default(0),
});
/** Options of `ColorJitter`: a number x means [max(0, 1 - x), 1 + x] (hue: [-x, x]), or give [low, high]. */
export type ColorJitterOptions = z.input<typeof colorJitterSchema>;

function range(value: number | readonly [number, number], center: number, clip: boolean): [number, number] | null {
  const [lo, hi] = typeof value === 'number' ? [center - value, center + value] : value;
  const r: [number, number] = [clip ? Math.max(0, lo) : lo, hi];
  return r[0] === center && r[1] === center ? null : r;
}

const STEP_NAMES = ['brightness', 'contrast', 'saturation'] as const;

export class ColorJitter implements Transform {
  readonly name = 'ColorJitter';
  readonly ranges: readonly ([number, number] | null)[];

  constructor(options: ColorJitterOptions = {}) {
    const o = parseOptions(this.name, colorJitterSchema, options);
    this.ranges = [range(o.brightness, 1, true), range(o.contrast, 1, true), range(o.saturation, 1, true), range(o.hue, 0, false)];
  }

  apply(image: RawImage, rng: Rng): RawImage {
    const order = rng.permutation(4);
    const factors = this.ranges.map((r) => (r === null ? null : rng.uniform(r[0], r[1])));
    // Runs of brightness/contrast/saturation go through the fused two-pass kernel; hue (rare) runs on its own.
    let out = image;
    let steps: ColorStep[] = [];
    for (const i of order) {
      const f = factors[i];
      if (f === null) continue;
      if (i < 3) {
        steps.push({ op: STEP_NAMES[i], factor: f });
        continue;
      }
      if (steps.length > 0) out = adjustColors(out, steps);
      steps = [];
      out = adjustHue(out, f);
    }
    return steps.length > 0 ? adjustColors(out, steps) : out;
  }
}
