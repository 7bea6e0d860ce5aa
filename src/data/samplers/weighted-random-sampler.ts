/**
 * PyTorch's `WeightedRandomSampler`: sample i is drawn with probability
 * proportional to `weights[i]`, with replacement (inverse-CDF draws) or
 * without (Efraimidis-Spirakis keys u^(1/w), the exponential-race method
 * `torch.multinomial` uses). Deterministic from the seed and the epoch.
 * `inverseFrequencyWeights` gives the usual class-balancing weights,
 * `rareLabelWeights` their multi-label counterpart.
 *
 * @example
 * const sampler = new WeightedRandomSampler({ weights: inverseFrequencyWeights(ds.targets), seed: 0 });
 */
import { ConfigError } from '../../errors.js';
import type { LabelSets } from '../dataset.js';
import { samplerRng } from './sampler.js';
import type { Sampler } from './sampler.js';

/** Options for `WeightedRandomSampler`. */
export interface WeightedRandomSamplerOptions {
  /** One non-negative weight per sample (not necessarily summing to 1). */
  weights: ArrayLike<number>;
  seed: number;
  /** Indices per epoch (default: the number of weights). */
  numSamples?: number;
  /** Default true, as in PyTorch. */
  replacement?: boolean;
}

/**
 * One weight per sample: 1 / (count of its class), so every class is drawn
 * equally often. Targets below 0 (unlabelled) get weight 0.
 *
 * @example
 * inverseFrequencyWeights(Int32Array.from([0, 0, 1])); // [0.5, 0.5, 1]
 */
export function inverseFrequencyWeights(targets: ArrayLike<number>): Float64Array {
  const counts = new Map<number, number>();
  for (let i = 0; i < targets.length; i++) counts.set(targets[i], (counts.get(targets[i]) ?? 0) + 1);
  return Float64Array.from({ length: targets.length }, (_, i) => (targets[i] < 0 ? 0 : 1 / (counts.get(targets[i]) ?? 1)));
}

/**
 * One weight per sample of a multi-label set: the inverse frequency of its
 * rarest label, max over its positives c of 1 / (samples with c). The mean
 * would dilute a rare label seen beside a common one (a photo with a rare
 * bird and a common tree would be drawn little more often than one of the
 * tree alone); the max lifts every sample that shows the rare label. Samples
 * with no positives count as one more label (1 / their number), so they are
 * drawn as often as a label is, not never.
 *
 * @example
 * rareLabelWeights([[0], [0], [0, 1], []], 2); // [1/3, 1/3, 1, 1]
 */
export function rareLabelWeights(sets: LabelSets, numClasses: number): Float64Array {
  const counts = new Array<number>(numClasses).fill(0);
  let empty = 0;
  for (const set of sets) {
    if (set.length === 0) empty++;
    for (const c of set) counts[c]++;
  }
  return Float64Array.from(sets, (set) => (set.length === 0 ? 1 / empty : Math.max(...set.map((c) => 1 / counts[c]))));
}

/** Weighted random draws per epoch. */
export class WeightedRandomSampler implements Sampler {
  readonly length: number;
  readonly #weights: Float64Array;
  readonly #cdf: Float64Array;
  readonly #seed: number;
  readonly #replacement: boolean;

  constructor(options: WeightedRandomSamplerOptions) {
    this.#weights = Float64Array.from(options.weights);
    this.#seed = options.seed;
    this.#replacement = options.replacement ?? true;
    this.length = options.numSamples ?? this.#weights.length;
    let total = 0;
    this.#cdf = new Float64Array(this.#weights.length);
    this.#weights.forEach((w, i) => {
      if (!(w >= 0) || !Number.isFinite(w))
        throw new ConfigError(`WeightedRandomSampler: expected finite non-negative weights, but got ${w} at index ${i}`);
      total += w;
      this.#cdf[i] = total;
    });
    if (!(total > 0)) throw new ConfigError('WeightedRandomSampler: expected at least one positive weight, but got none');
    const positive = this.#weights.reduce((n, w) => n + (w > 0 ? 1 : 0), 0);
    if (!this.#replacement && this.length > positive) {
      throw new ConfigError(
        `WeightedRandomSampler: expected numSamples <= ${positive} (samples with positive weight) without replacement, but got ${this.length} (set replacement: true)`,
      );
    }
  }

  indices(epoch: number): number[] {
    const rng = samplerRng(this.#seed, epoch);
    return this.#replacement ? this.#withReplacement(() => rng.random()) : this.#withoutReplacement(() => rng.random());
  }

  #withReplacement(random: () => number): number[] {
    const cdf = this.#cdf;
    const total = cdf[cdf.length - 1];
    return Array.from({ length: this.length }, () => {
      const u = random() * total;
      let lo = 0;
      let hi = cdf.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    });
  }

  #withoutReplacement(random: () => number): number[] {
    // key_i = log(u_i) / w_i; the largest keys win (Efraimidis-Spirakis in log space).
    const keyed: { i: number; key: number }[] = [];
    this.#weights.forEach((w, i) => {
      const u = random();
      if (w > 0) keyed.push({ i, key: Math.log(1 - u) / w });
    });
    keyed.sort((a, b) => b.key - a.key || a.i - b.i);
    return keyed.slice(0, this.length).map((k) => k.i);
  }
}
