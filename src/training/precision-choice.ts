/**
 * `precision: auto` / `memoryFormat: auto`: which combinations are worth
 * timing, the documented rule used where no probe runs, and how the probe's
 * timings become a choice. Pure functions; the probe itself is
 * precision-probe.ts and the orchestration precision-auto.ts.
 *
 * The rule: bf16-mixed + channels-last where bf16 is native (AVX-512 BF16,
 * AMX) or on CUDA, else fp32 + channels-last. Backed by Trainer steps on a
 * 2-core AVX-512 BF16 CPU (ResNet18, 1x28x28, batch 128: bf16 + channels-last
 * 191 ms/step, bf16 contiguous 196, fp32 channels-last 210, fp32 contiguous
 * 274) and by `bench:trainer --part auto` (ResNet18 at 64 / 128 / 224,
 * batch 32 / 16 / 8: bf16 + channels-last 124 / 188 / 981 ms per step, fp32
 * channels-last 183 / 329 / 1468, fp32 contiguous 209 / 380 / 2568, on a
 * shared, busy machine).
 *
 * @example
 * const list = autoCandidates({ precision: 'auto', memoryFormat: 'auto' }, { device: 'cpu', nativeBf16: true });
 * const best = pickFastest(list.map((choice, i) => ({ choice, msPerStep: [200, 190, 260, 280][i] })));
 */
import type { TrainerOptions } from './trainer-options.js';

/** A settled precision: what `auto` resolves to (never 'auto'). */
export type ChosenPrecision = '32' | 'bf16-mixed' | '16-mixed';
/** A settled memory format. */
export type ChosenMemoryFormat = 'channelsLast' | 'contiguous';

/** One combination the Trainer can run. */
export interface PrecisionChoice {
  readonly precision: ChosenPrecision;
  readonly memoryFormat: ChosenMemoryFormat;
}

/** One candidate's probe result: the median milliseconds of a forward + backward step. */
export interface CandidateTiming {
  readonly choice: PrecisionChoice;
  readonly msPerStep: number;
}

/** Where the machine stands: what the rule and the candidate list depend on. */
export interface PrecisionEnvironment {
  readonly device: 'cpu' | 'cuda';
  /** The CPU has bfloat16 instructions (AVX-512 BF16 or AMX). */
  readonly nativeBf16: boolean;
}

type AutoOptions = Pick<TrainerOptions, 'precision' | 'memoryFormat'>;

/** Whether the options leave anything to choose at the start of fit. @example needsChoice({ precision: 'auto', memoryFormat: 'contiguous' }); // true */
export function needsChoice(options: AutoOptions): boolean {
  return options.precision === 'auto';
}

/**
 * The memory format a fixed precision runs with under `memoryFormat: auto`:
 * channels-last on CUDA and under bf16 (what makes bf16 fast on CPU), and
 * contiguous for fp32 on CPU, as before `auto` precision existed (set
 * `precision: auto` to have it measured).
 *
 * @example
 * fixedPrecisionFormat('32', 'cpu'); // 'contiguous'
 */
export function fixedPrecisionFormat(precision: ChosenPrecision, device: 'cpu' | 'cuda'): ChosenMemoryFormat {
  return device === 'cuda' || precision !== '32' ? 'channelsLast' : 'contiguous';
}

/**
 * The rule used where no probe runs (validate, test, predict, a dev run, a
 * data-parallel run, no train batch): see the module doc.
 *
 * @example
 * ruleChoice({ precision: 'auto', memoryFormat: 'auto' }, { device: 'cpu', nativeBf16: false }); // { precision: '32', memoryFormat: 'channelsLast' }
 */
export function ruleChoice(options: AutoOptions, environment: PrecisionEnvironment): PrecisionChoice {
  if (options.precision !== 'auto') {
    const precision = options.precision;
    const memoryFormat = options.memoryFormat === 'auto' ? fixedPrecisionFormat(precision, environment.device) : options.memoryFormat;
    return { precision, memoryFormat };
  }
  const bf16 = environment.device === 'cuda' || environment.nativeBf16;
  const memoryFormat = options.memoryFormat === 'auto' ? 'channelsLast' : options.memoryFormat;
  return { precision: bf16 ? 'bf16-mixed' : '32', memoryFormat };
}

/**
 * The combinations a probe times, in order of preference (ties go to the
 * earlier one): bf16 only where it is native or on CUDA ('16-mixed' is never
 * chosen automatically), channels-last before contiguous; a fixed memory
 * format keeps only its own.
 *
 * @example
 * autoCandidates({ precision: 'auto', memoryFormat: 'contiguous' }, { device: 'cpu', nativeBf16: false }); // [{ precision: '32', memoryFormat: 'contiguous' }]
 */
export function autoCandidates(options: AutoOptions, environment: PrecisionEnvironment): PrecisionChoice[] {
  if (options.precision !== 'auto') return [ruleChoice(options, environment)];
  const precisions: ChosenPrecision[] = environment.device === 'cuda' || environment.nativeBf16 ? ['bf16-mixed', '32'] : ['32'];
  const formats: ChosenMemoryFormat[] = options.memoryFormat === 'auto' ? ['channelsLast', 'contiguous'] : [options.memoryFormat];
  return precisions.flatMap((precision) => formats.map((memoryFormat) => ({ precision, memoryFormat })));
}

/**
 * The candidate to run: the earliest one within `margin` (a fraction, default
 * 5%) of the fastest median, so timing noise does not flip a choice between
 * near-equal paths.
 *
 * @example
 * pickFastest([{ choice: a, msPerStep: 100 }, { choice: b, msPerStep: 97 }]).choice; // a: b is not 5% faster
 */
export function pickFastest(timings: readonly CandidateTiming[], margin = 0.05): CandidateTiming {
  if (timings.length === 0) throw new RangeError('pickFastest: expected at least one candidate timing, but got none');
  const fastest = Math.min(...timings.map((t) => t.msPerStep));
  return timings.find((t) => t.msPerStep <= fastest * (1 + margin)) ?? timings[0];
}

/**
 * The choice a checkpoint saved (`extra.precisionChoice`), or null when it
 * holds none or something else (a checkpoint from before `auto`, say).
 *
 * @example
 * savedChoice({ precision: '32', memoryFormat: 'contiguous' }); // the same choice
 */
export function savedChoice(saved: unknown): PrecisionChoice | null {
  if (typeof saved !== 'object' || saved === null) return null;
  const { precision, memoryFormat } = saved as Record<string, unknown>;
  const precisions: unknown[] = ['32', 'bf16-mixed', '16-mixed'];
  const formats: unknown[] = ['channelsLast', 'contiguous'];
  if (!precisions.includes(precision) || !formats.includes(memoryFormat)) return null;
  return { precision: precision as ChosenPrecision, memoryFormat: memoryFormat as ChosenMemoryFormat };
}

/** A choice in words. @example describeChoice({ precision: '32', memoryFormat: 'contiguous' }); // 'fp32 contiguous' */
export function describeChoice(choice: PrecisionChoice): string {
  const precision = choice.precision === '32' ? 'fp32' : choice.precision;
  return `${precision} ${choice.memoryFormat === 'channelsLast' ? 'channels-last' : 'contiguous'}`;
}

/** The median of a non-empty list. @example median([3, 1, 2]); // 2 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
