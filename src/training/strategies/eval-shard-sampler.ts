/**
 * `EvalShardSampler`: one rank's share of an evaluation split, in order and
 * without padding — rank r visits indices r, r + W, r + 2W, ... So the ranks
 * together visit every sample exactly once (ranks may get one sample fewer
 * than others), and metrics synced over ranks equal one process's exactly,
 * where `DistributedSampler`'s padding would count a few samples twice.
 *
 * @example
 * new EvalShardSampler({ length: 7, numReplicas: 2, rank: 1 }).indices(0); // [1, 3, 5]
 */
import { ConfigError } from '../../errors.js';
import type { Sampler } from '../../data/samplers/sampler.js';

/** Options for `EvalShardSampler`. */
export interface EvalShardSamplerOptions {
  /** Size of the split. */
  length: number;
  numReplicas: number;
  rank: number;
}

/** Strided, unpadded shard of 0..length-1. */
export class EvalShardSampler implements Sampler {
  readonly length: number;
  readonly #rank: number;
  readonly #numReplicas: number;

  constructor(options: EvalShardSamplerOptions) {
    const { length, numReplicas, rank } = options;
    if (!Number.isInteger(length) || length < 0)
      throw new ConfigError(`EvalShardSampler: expected a non-negative integer length, but got ${length}`);
    if (!Number.isInteger(numReplicas) || numReplicas < 1)
      throw new ConfigError(`EvalShardSampler: expected an integer numReplicas >= 1, but got ${numReplicas}`);
    if (!Number.isInteger(rank) || rank < 0 || rank >= numReplicas)
      throw new ConfigError(`EvalShardSampler: expected a rank in [0, ${numReplicas - 1}], but got ${rank}`);
    this.#rank = rank;
    this.#numReplicas = numReplicas;
    this.length = Math.max(0, Math.ceil((length - rank) / numReplicas));
  }

  indices(_epoch: number): number[] {
    return Array.from({ length: this.length }, (_, i) => this.#rank + i * this.#numReplicas);
  }
}
