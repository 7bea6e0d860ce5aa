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
  /** The lowest lr (default 0). */
  etaMin?: number;
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
  etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super(optimizer, options);
    checkOption('CosineAnnealingLR', 'tMax', options.tMax, options.tMax > 0, 'a positive number');
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    this.initialStep();
  }

  protected getLr(): number[] {
    const { tMax, etaMin, lastEpoch } = this;
    const groups = this.optimizer.paramGroups;
    if (lastEpoch === 0) return this.groupLrs();
    if (this.stepCount === 1 && lastEpoch > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((lastEpoch * Math.PI) / tMax))) / 2);
    }
    if (pyMod(lastEpoch - 1 - tMax, 2 * tMax) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return groups.map(
      (g) => ((1 + Math.cos((Math.PI * lastEpoch) / tMax)) / (1 + Math.cos((Math.PI * (lastEpoch - 1)) / tMax))) * (g.lr - etaMin) + etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}
