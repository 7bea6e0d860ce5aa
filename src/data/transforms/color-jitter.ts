/**
 * `ColorJitter`: brightness, contrast, saturation and hue in a random order,
 * each factor uniform in its range — torchvision 0.14's `get_params` (a
 * permutation of the four, then the four factors). Brightness, contrast and
 * saturation follow its tensor formulas: brightness blends with black,
 * contrast with the mean of the grayscale image, saturation with the
 * grayscale image. Hue follows its PIL path (`F.adjust_hue` on a PIL image,
 * what torchvision users with `ImageFolder` run): Pillow's HSV conversion,
 * H shifted by `uint8(factor * 255)`, back to RGB; before this hue ran
 * torchvision's float tensor formula, which differs by a level here and
 * there. Every step runs natively (`adjustColors`, or inside the JPEG decode
 * call when the pipeline fuses them).
 *
 * @example
 * new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }).apply(image, rng);
 */
import { z } from 'zod';
import type { Rng } from '../random.js';
import type { RawImage } from '../image.js';
import { adjustColors } from './functional/fused-color.js';
import type { ColorStep } from './functional/fused-color.js';
import { parseOptions } from './options.js';
import type { DecodeRole } from './transform.js';
import type { Transform } from './transform.js';

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

/** One drawn step of a ColorJitter. */
export type JitterStep = ColorStep;

export class ColorJitter implements Transform {
  readonly name = 'ColorJitter';
  readonly ranges: readonly ([number, number] | null)[];

  constructor(options: ColorJitterOptions = {}) {
    const o = parseOptions(this.name, colorJitterSchema, options);
    this.ranges = [range(o.brightness, 1, true), range(o.contrast, 1, true), range(o.saturation, 1, true), range(o.hue, 0, false)];
  }

  /**
   * This sample's steps in their order, drawn from `rng` exactly as `apply`
   * draws them (the pipeline draws first, then runs them natively while decoding).
   */
  draw(rng: Rng): JitterStep[] {
    const order = rng.permutation(4);
    const factors = this.ranges.map((r) => (r === null ? null : rng.uniform(r[0], r[1])));
    const steps: JitterStep[] = [];
    for (const i of order) {
      const f = factors[i];
      if (f !== null) steps.push({ op: i < 3 ? STEP_NAMES[i] : 'hue', factor: f });
    }
    return steps;
  }

  /** Runs drawn steps, all in one native call. */
  applySteps(image: RawImage, steps: readonly JitterStep[]): RawImage {
    return steps.length > 0 ? adjustColors(image, steps) : image;
  }

  /** Runs inside the native JPEG decode after the crop/resize (and a flip). */
  decodeRole(): DecodeRole {
    return { colors: { draw: (rng) => this.draw(rng), run: (image, steps) => this.applySteps(image, steps) } };
  }

  apply(image: RawImage, rng: Rng): RawImage {
    return this.applySteps(image, this.draw(rng));
  }
}
