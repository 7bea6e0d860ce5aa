/**
 * Linear warmup then cosine annealing, PyTorch's SequentialLR of LinearLR and
 * CosineAnnealingLR: the default scheduler ('warmup_cosine'), sized in
 * scheduler steps or from epochs.
 *
 * @example
 * const sched = warmupCosineFromEpochs(opt, { warmupEpochs: 5, warmupStartFactor: 1e-3, etaMin: 5e-6, maxEpochs: 30, stepsPerEpoch: 1 });
 */
import { CosineAnnealingLR, LinearLR, SequentialLR } from '../torch/optim/index.js';
import type { Optimizer } from '../torch/optim/index.js';
import { ConfigError } from '../errors.js';

/** Options of `warmupCosineLR`, in scheduler steps (epochs or optimizer steps, as the caller steps it). */
export interface WarmupCosineOptions {
  /** Steps of linear warmup; 0 gives plain cosine annealing. */
  warmupIters: number;
  /** Steps in all, warmup included. */
  totalIters: number;
  /** The warmup's first lr factor, in (0, 1]. */
  warmupStartFactor: number;
  /** The lowest lr, reached at `totalIters`; one per param group when the groups train at different lrs. */
  etaMin: number | readonly number[];
}

/**
 * Linear warmup then cosine annealing: PyTorch's
 * `SequentialLR([LinearLR(start_factor, total_iters=warmup), CosineAnnealingLR(T_max=total - warmup, eta_min)], milestones=[warmup])`,
 * or a plain CosineAnnealingLR(T_max=total) when `warmupIters` is 0.
 *
 * @example
 * const sched = warmupCosineLR(opt, { warmupIters: 5, totalIters: 30, warmupStartFactor: 1e-3, etaMin: 5e-6 });
 */
export function warmupCosineLR(optimizer: Optimizer, options: WarmupCosineOptions): CosineAnnealingLR | SequentialLR {
  const { warmupIters, totalIters, warmupStartFactor, etaMin } = options;
  if (!Number.isInteger(warmupIters) || !Number.isInteger(totalIters) || warmupIters < 0 || totalIters <= warmupIters) {
    throw new ConfigError(
      `warmupCosineLR: expected integers 0 <= warmupIters < totalIters, but got warmupIters ${warmupIters} and totalIters ${totalIters}`,
    );
  }
  const cosine = () => new CosineAnnealingLR(optimizer, { tMax: totalIters - warmupIters, etaMin });
  if (warmupIters === 0) return cosine();
  const linear = new LinearLR(optimizer, { startFactor: warmupStartFactor, endFactor: 1, totalIters: warmupIters });
  return new SequentialLR(optimizer, { schedulers: [linear, cosine()], milestones: [warmupIters] });
}

/** Options of `warmupCosineFromEpochs`: the user's epochs-based knobs and the run's length. */
export interface WarmupCosineEpochOptions {
  warmupEpochs: number;
  warmupStartFactor: number;
  etaMin: number | readonly number[];
  maxEpochs: number;
  /** Scheduler steps per epoch: 1 when it steps per epoch, the batches per epoch when it steps per batch. */
  stepsPerEpoch: number;
}

/**
 * `warmupCosineLR` sized from epochs: a warmup as long as the run or longer
 * is cut to leave one step of cosine annealing (none at all in a one-step
 * run), so a short smoke run keeps working with the defaults.
 *
 * @example
 * warmupCosineFromEpochs(opt, { warmupEpochs: 0.5, warmupStartFactor: 1e-3, etaMin: 0, maxEpochs: 3, stepsPerEpoch: 10 });
 */
export function warmupCosineFromEpochs(optimizer: Optimizer, o: WarmupCosineEpochOptions): CosineAnnealingLR | SequentialLR {
  const totalIters = o.maxEpochs * o.stepsPerEpoch;
  const warmupIters = Math.min(Math.round(o.warmupEpochs * o.stepsPerEpoch), totalIters - 1);
  return warmupCosineLR(optimizer, { warmupIters, totalIters, warmupStartFactor: o.warmupStartFactor, etaMin: o.etaMin });
}
