/**
 * PyTorch's `DistributedSampler`: each of `numReplicas` ranks visits a
 * disjoint shard of every epoch. The epoch's order (a permutation from
 * `seed` and the epoch, or 0..n-1) is padded by repeating its start, or
 * trimmed with `dropLast`, to a multiple of `numReplicas`; rank r takes
 * positions r, r + numReplicas, ... So every rank takes the same number of
 * steps, and the run is reproducible from the seed for a given world size.
 *
 * @example
 * const sampler = new DistributedSampler({ length: 10, numReplicas: 4, rank: 1, seed: 42 });
 * sampler.length;     // 3 (10 padded to 12)
 * sampler.indices(0); // this rank's 3 indices of epoch 0
 */
import { ConfigError } from '../../errors.js';
import { samplerRng } from './sampler.js';
import type { Sampler } from './sampler.js';

/** Options for `DistributedSampler`, with PyTorch's defaults. */
export interface DistributedSamplerOptions {
  /** Size of the data set (or of `base`'s epoch). */
  length: number;
  numReplicas: number;
  rank: number;
  /** A fresh permutation every epoch (default true). */
  shuffle?: boolean;
  /** Must be the same on every rank (default 0). */
  seed?: number;
  /** Trim the tail so every rank gets whole shards instead of padding with repeats (default false). */
  dropLast?: boolean;
  /** Shard this sampler's order instead of a permutation (its epoch must yield `length` indices on every rank). */
  base?: Sampler;
}

/** One rank's shard of each epoch. */
export class DistributedSampler implements Sampler {
  /** Indices this rank yields per epoch. */
  readonly length: number;
  /** Indices all ranks yield together per epoch (`length * numReplicas`). */
  readonly totalSize: number;
  readonly #options: Required<Omit<DistributedSamplerOptions, 'base'>> & { base?: Sampler };

  constructor(options: DistributedSamplerOptions) {
    const { length, numReplicas, rank } = options;
    if (!Number.isInteger(length) || length < 0)
      throw new ConfigError(`DistributedSampler: expected a non-negative integer length, but got ${length}`);
    if (!Number.isInteger(numReplicas) || numReplicas < 1) {
      throw new ConfigError(`DistributedSampler: expected an integer numReplicas >= 1, but got ${numReplicas}`);
    }
    if (!Number.isInteger(rank) || rank < 0 || rank >= numReplicas) {
      throw new ConfigError(`DistributedSampler: expected a rank in [0, ${numReplicas - 1}], but got ${rank}`);
    }
    this.#options = { shuffle: true, seed: 0, dropLast: false, ...options };
    const uneven = length % numReplicas !== 0;
    this.length =
      this.#options.dropLast && uneven ? Math.max(0, Math.ceil((length - numReplicas) / numReplicas)) : Math.ceil(length / numReplicas);
    this.totalSize = this.length * numReplicas;
  }

  indices(epoch: number): number[] {
    const { length, numReplicas, rank, shuffle, seed, base } = this.#options;
    let order: number[];
    if (base !== undefined) {
      order = base.indices(epoch);
      if (order.length !== length)
        throw new ConfigError(`DistributedSampler: expected the base sampler to yield ${length} indices, but got ${order.length}`);
    } else {
      order = shuffle ? samplerRng(seed, epoch).permutation(length) : Array.from({ length }, (_, i) => i);
    }
    if (this.totalSize > order.length && order.length > 0) {
      const padded = order.slice();
      while (padded.length < this.totalSize) padded.push(...order.slice(0, this.totalSize - padded.length));
      order = padded;
    } else {
      order = order.slice(0, this.totalSize);
    }
    const shard: number[] = [];
    for (let i = rank; i < this.totalSize; i += numReplicas) shard.push(order[i]);
    return shard;
  }
}
