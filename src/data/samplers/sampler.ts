/**
 * Samplers decide which samples an epoch visits and in what order. Every
 * sampler is a pure function of (its seed, the epoch), so a resumed run or a
 * second process sees the same order.
 *
 * @example
 * const order = new SequentialSampler(5).indices(0); // [0, 1, 2, 3, 4]
 */
import { Rng } from '../random.js';

/** The order of one epoch's samples. */
export interface Sampler {
  /** Number of indices each epoch yields. */
  readonly length: number;
  /** The dataset indices of epoch `epoch`, in visiting order. */
  indices(epoch: number): number[];
}

/**
 * The random stream a sampler uses for one epoch: distinct from every
 * per-sample stream (`Rng.forSample` uses index + 1 >= 1 where this uses 0).
 *
 * @example
 * const rng = samplerRng(42, 3);
 */
export function samplerRng(seed: number, epoch: number): Rng {
  return new Rng(seed, epoch + 1, 0);
}

/**
 * 0, 1, ..., n-1 every epoch (evaluation order).
 *
 * @example
 * new SequentialSampler(3).indices(7); // [0, 1, 2]
 */
export class SequentialSampler implements Sampler {
  constructor(readonly length: number) {}
  indices(_epoch: number): number[] {
    return Array.from({ length: this.length }, (_, i) => i);
  }
}
