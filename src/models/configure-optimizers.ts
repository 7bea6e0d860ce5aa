/**
 * Builds the optimizer and LR scheduler a ClassificationModule asks for,
 * through the registry (`hp.optimizer.name`, `hp.scheduler.name`), with no
 * weight decay on norm and bias parameters when asked; the default
 * scheduler, 'warmup_cosine', is SequentialLR(LinearLR warmup from
 * `warmupStartFactor`, then CosineAnnealingLR down to lr × etaMinFactor),
 * stepped per epoch or per optimizer step.
 *
 * @example
 * const { optimizer, scheduler, interval } = configureOptimizers(model.parameters(), hp, { maxEpochs: 30, stepsPerEpoch: 100 });
 */
import type { Tensor } from '../torch/index.js';
import { CosineAnnealingLR, LinearLR, SequentialLR } from '../torch/optim/index.js';
import type { Optimizer, OptimizerConfig, Scheduler } from '../torch/optim/index.js';
import { ConfigError } from '../errors.js';
import { registry } from '../registry.js';
import type { ClassificationOptions } from './classification-options.js';

export type { OptimizerConfig, Scheduler } from '../torch/optim/index.js';

/**
 * Splits parameters into those that get weight decay (ndim > 1) and those
 * that do not (biases and normalisation weights, ndim <= 1).
 *
 * @example
 * new AdamW(decayGroups(model.parameters(), 1e-4, true), { lr: 1e-3 });
 */
export function decayGroups(params: readonly Tensor[], weightDecay: number, noDecayOnNormAndBias: boolean) {
  if (!noDecayOnNormAndBias) return [{ params, weightDecay }];
  const decay = params.filter((p) => p.ndim > 1);
  const noDecay = params.filter((p) => p.ndim <= 1);
  return [
    { params: decay, weightDecay },
    { params: noDecay, weightDecay: 0 },
  ].filter((g) => g.params.length > 0);
}

/** Options of `warmupCosineLR`, in scheduler steps (epochs or optimizer steps, as the caller steps it). */
export interface WarmupCosineOptions {
  /** Steps of linear warmup; 0 gives plain cosine annealing. */
  warmupIters: number;
  /** Steps in all, warmup included. */
  totalIters: number;
  /** The warmup's first lr factor, in (0, 1]. */
  warmupStartFactor: number;
  /** The lowest lr, reached at `totalIters`. */
  etaMin: number;
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
  etaMin: number;
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

function buildOptimizer(params: readonly Tensor[], o: ClassificationOptions['optimizer']): Optimizer {
  const { name, noDecayOnNormAndBias, ...options } = o;
  const weightDecay = typeof options.weightDecay === 'number' ? options.weightDecay : 0;
  const groups = decayGroups(
    params.filter((p) => p.requiresGrad),
    weightDecay,
    noDecayOnNormAndBias,
  );
  return registry.build<Optimizer>('optimizer', name, { ...options, params: groups });
}

/**
 * The optimizer and scheduler for a run of `maxEpochs` (times `stepsPerEpoch`
 * with `interval: 'step'`). A warmup as long as the run or longer is cut to
 * leave one step of cosine annealing (none at all in a one-step run), so a
 * short smoke run keeps working with the defaults.
 *
 * @example
 * const { optimizer, scheduler } = configureOptimizers(model.parameters(), parseClassificationOptions({ numClasses: 10 }), { maxEpochs: 30 });
 */
export function configureOptimizers(
  params: readonly Tensor[],
  hp: Pick<ClassificationOptions, 'optimizer' | 'scheduler'>,
  run: { maxEpochs: number; stepsPerEpoch?: number },
): OptimizerConfig {
  const optimizer = buildOptimizer(params, hp.optimizer);
  const { name, interval, ...options } = hp.scheduler;
  if (name === 'none') return { optimizer, scheduler: null, interval };
  let unit = 1;
  if (interval === 'step') {
    if (run.stepsPerEpoch === undefined || !Number.isInteger(run.stepsPerEpoch) || run.stepsPerEpoch < 1) {
      throw new ConfigError(
        `configureOptimizers: expected an integer stepsPerEpoch >= 1 for scheduler.interval=step, but got ${run.stepsPerEpoch}`,
      );
    }
    unit = run.stepsPerEpoch;
  }
  if (!Number.isInteger(run.maxEpochs) || run.maxEpochs < 1) {
    throw new ConfigError(`configureOptimizers: expected an integer maxEpochs >= 1, but got ${run.maxEpochs}`);
  }
  // A scheduler that sizes itself from the run declares maxEpochs / stepsPerEpoch as runtime keys.
  const runtime = registry.get('scheduler', name).runtime ?? [];
  const sizes = { maxEpochs: run.maxEpochs, stepsPerEpoch: unit };
  const fromRun = Object.fromEntries(Object.entries(sizes).filter(([k]) => runtime.includes(k)));
  const scheduler = registry.build<Scheduler>('scheduler', name, { ...options, ...fromRun, optimizer });
  return { optimizer, scheduler, interval };
}
