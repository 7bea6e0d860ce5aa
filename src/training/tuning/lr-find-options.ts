/**
 * The LR finder's options (Lightning's `lr_find` arguments, in camelCase),
 * checked with zod: every problem at once, each with its path under
 * `lrFind.`.
 *
 * @example
 * const o = parseLrFindOptions({ maxLr: 10, numSteps: 200 });
 * o.minLr; // 1e-8
 */
import { z } from 'zod';
import { configErrorFromZod } from '../../config-error-from-zod.js';

/** Every option of the LR finder. @example lrFindOptionsSchema.parse({ numSteps: 50 }); */
export const lrFindOptionsSchema = z
  .object({
    /** The first learning rate of the sweep. */
    minLr: z.number().positive().default(1e-8),
    /** The last learning rate of the sweep (reached at `numSteps` unless the loss diverges first). */
    maxLr: z.number().positive().default(1),
    /** Optimizer steps of the sweep, each at its own learning rate. */
    numSteps: z.number().int().min(5).default(100),
    /** The loss's exponential moving average factor (fastai's and Lightning's `beta`), bias-corrected. */
    smoothing: z.number().min(0).lt(1).default(0.98),
    /** Stop once the smoothed loss exceeds this multiple of the best one; null: sweep to the end. */
    divergeThreshold: z.number().gt(1).nullable().default(4),
  })
  .strict();

/** Options as a user writes them. @example const o: LrFindOptionsInput = { maxLr: 10 }; */
export type LrFindOptionsInput = z.input<typeof lrFindOptionsSchema>;
/** Checked options, defaults filled in. @example const o: LrFindOptions = parseLrFindOptions({}); */
export type LrFindOptions = z.output<typeof lrFindOptionsSchema>;

/**
 * Checks the options; throws a ConfigError naming every bad key (`lrFind.numSteps: ...`).
 *
 * @example
 * parseLrFindOptions({ minLr: 1, maxLr: 1e-3 }); // ConfigError: lrFind.maxLr: expected a maxLr above minLr (1), ...
 */
export function parseLrFindOptions(input: unknown): LrFindOptions {
  const parsed = lrFindOptionsSchema.safeParse(input ?? {});
  const options = { component: 'lrFind', prefix: ['lrFind'], input };
  if (!parsed.success) throw configErrorFromZod(parsed.error, options);
  const o = parsed.data;
  if (o.maxLr <= o.minLr) {
    throw configErrorFromZod(null, options, [
      { path: 'lrFind.maxLr', message: `expected a maxLr above minLr (${o.minLr}), but got ${o.maxLr}` },
    ]);
  }
  return o;
}

/**
 * The learning rate of sweep step `step` (0-based): `minLr` at the first step, `maxLr` at the
 * last, evenly spaced in log scale between.
 *
 * @example
 * sweepLr({ minLr: 1e-6, maxLr: 1, numSteps: 7 }, 3); // 1e-3
 */
export function sweepLr(o: Pick<LrFindOptions, 'minLr' | 'maxLr' | 'numSteps'>, step: number): number {
  return o.minLr * (o.maxLr / o.minLr) ** (step / (o.numSteps - 1));
}
