/**
 * CosineAnnealingLR (SGDR's schedule without restarts: Loshchilov & Hutter,
 * "SGDR: Stochastic Gradient Descent with Warm Restarts", 2017), in PyTorch
 * 1.13's recursive, chainable form: each lr is computed from the previous
 * one, which is what PyTorch gives step by step, inside SequentialLR too.
 *
 * @example
 * const sched = new CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 });
 */
import { checkOption } from '../optimizer.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler, pyMod } from './lr-scheduler.js';
import type { LRSchedulerOptions } from './lr-scheduler.js';

/** CosineAnnealingLR's options. */
export interface CosineAnnealingLROptions extends LRSchedulerOptions {
  /** Epochs of one half period. */
  tMax: number;
  /** The lowest lr (default 0), or one per param group (groups trained at different lrs, e.g. layer-wise decay). */
  etaMin?: number | readonly number[];
}

/**
 * Cosine annealing from each group's lr down to `etaMin` over `tMax` epochs
 * (and back up after, as PyTorch does).
 *
 * @example
 * const sched = new CosineAnnealingLR(opt, { tMax: 25, etaMin: 0.005 });
 * sched.step();
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number | readonly number[];

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super(optimizer, options);
    checkOption('CosineAnnealingLR', 'tMax', options.tMax, options.tMax > 0, 'a positive number');
    const { etaMin = 0 } = options;
    if (typeof etaMin !== 'number') {
      const groups = optimizer.paramGroups.length;
      checkOption('CosineAnnealingLR', 'etaMin.length', etaMin.length, etaMin.length === groups, `${groups} (one per param group)`);
    }
    this.tMax = options.tMax;
    this.etaMin = etaMin;
    this.initialStep();
  }

  /** Group i's lowest lr. */
  #eta(i: number): number {
    return typeof this.etaMin === 'number' ? this.etaMin : this.etaMin[i];
  }

  protected getLr(): number[] {
    const { tMax, lastEpoch } = this;
    const groups = this.optimizer.paramGroups;
    if (lastEpoch === 0) return this.groupLrs();
    if (this.stepCount === 1 && lastEpoch > 0) {
      return this.baseLrs.map((base, i) => this.#eta(i) + ((base - this.#eta(i)) * (1 + Math.cos((lastEpoch * Math.PI) / tMax))) / 2);
    }
    if (pyMod(lastEpoch - 1 - tMax, 2 * tMax) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - this.#eta(i)) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * lastEpoch) / tMax)) / (1 + Math.cos((Math.PI * (lastEpoch - 1)) / tMax));
    return groups.map((g, i) => ratio * (g.lr - this.#eta(i)) + this.#eta(i));
  }

  protected override closedFormLr(): number[] {
    const { tMax, lastEpoch } = this;
    return this.baseLrs.map((base, i) => this.#eta(i) + ((base - this.#eta(i)) * (1 + Math.cos((Math.PI * lastEpoch) / tMax))) / 2);
  }
}
