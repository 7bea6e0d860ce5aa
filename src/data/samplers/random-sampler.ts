/**
 * PyTorch's `RandomSampler`: a fresh permutation every epoch (or draws with
 * replacement), reproducible from the seed and the epoch number.
 *
 * @example
 * const sampler = new RandomSampler({ length: 1000, seed: 42 });
 * sampler.indices(0); // a permutation of 0..999, the same on every run
 */
import { ConfigError } from '../../errors.js';
import { samplerRng } from './sampler.js';
import type { Sampler } from './sampler.js';

/** Options for `RandomSampler`. */
export interface RandomSamplerOptions {
  /** Size of the data set. */
  length: number;
  seed: number;
  /** Draw with replacement (default false: a permutation). */
  replacement?: boolean;
  /** Indices per epoch (default: `length`; more than `length` needs replacement). */
  numSamples?: number;
}

/** A seeded random order per epoch. */
export class RandomSampler implements Sampler {
  readonly length: number;
  readonly #size: number;
  readonly #seed: number;
  readonly #replacement: boolean;

  constructor(options: RandomSamplerOptions) {
    this.#size = options.length;
    this.#seed = options.seed;
    this.#replacement = options.replacement ?? false;
    this.length = options.numSamples ?? options.length;
    if (!Number.isInteger(this.length) || this.length < 0)
      throw new ConfigError(`RandomSampler: expected a non-negative integer numSamples, but got ${this.length}`);
    if (!this.#replacement && this.length > this.#size) {
      throw new ConfigError(
        `RandomSampler: expected numSamples <= ${this.#size} without replacement, but got ${this.length} (set replacement: true)`,
      );
    }
  }

  indices(epoch: number): number[] {
    const rng = samplerRng(this.#seed, epoch);
    if (this.#replacement) return Array.from({ length: this.length }, () => rng.int(0, this.#size));
    const perm = rng.permutation(this.#size);
    return this.length === this.#size ? perm : perm.slice(0, this.length);
  }
}
