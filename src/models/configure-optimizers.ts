/**
 * Builds the optimizer and LR scheduler a ClassificationModule asks for:
 * AdamW (or SGD with momentum) with no weight decay on norm and bias
 * parameters when asked, and SequentialLR(LinearLR warmup from
 * `warmupStartFactor`, then CosineAnnealingLR down to lr × etaMinFactor),
 * stepped per epoch or per optimizer step.
 *
 * @example
 * const { optimizer, scheduler, interval } = configureOptimizers(model.parameters(), hp, { maxEpochs: 30, stepsPerEpoch: 100 });
 */
import type { Tensor } from '../torch/index.js';
import { AdamW, CosineAnnealingLR, LinearLR, SGD, SequentialLR } from '../torch/optim/index.js';
import type { Optimizer } from '../torch/optim/index.js';
import { ConfigError } from '../errors.js';
import type { ClassificationOptions } from './classification-options.js';

/** Anything with `step()`, `getLastLr()` and a state dict. */
export type Scheduler = CosineAnnealingLR | SequentialLR;

export interface OptimizerConfig {
  optimizer: Optimizer;
  scheduler: Scheduler | null;
  interval: 'epoch' | 'step';
}

/** Splits parameters into those that get weight decay (ndim > 1) and those that do not. */
export function decayGroups(params: readonly Tensor[], weightDecay: number, noDecayOnNormAndBias: boolean) {
  if (!noDecayOnNormAndBias) return [{ params, weightDecay }];
  const decay = params.filter((p) => p.ndim > 1);
  const noDecay = params.filter((p) => p.ndim <= 1);
  return [{ params: decay, weightDecay }, { params: noDecay, weightDecay: 0 }].filter((g) => g.params.length > 0);
}

export function configureOptimizers(
  params: readonly Tensor[],
  hp: Pick<ClassificationOptions, 'optimizer' | 'scheduler'>,
  run: { maxEpochs: number; stepsPerEpoch?: number },
): OptimizerConfig {
  const o = hp.optimizer;
  const groups = decayGroups(params.filter((p) => p.requiresGrad), o.weightDecay, o.noDecayOnNormAndBias);
  const optimizer: Optimizer = o.name === 'adamw'
    ? new AdamW(groups, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay })
    : new SGD(groups, { lr: o.lr, momentum: o.momentum, nesterov: o.nesterov, weightDecay: o.weightDecay });
  const s = hp.scheduler;
  if (s.name === 'none') return { optimizer, scheduler: null, interval: s.interval };
  let unit = 1;
  if (s.interval === 'step') {
    if (run.stepsPerEpoch === undefined || run.stepsPerEpoch < 1) {
      throw new ConfigError('configureOptimizers: expected stepsPerEpoch >= 1 for scheduler.interval=step, but got none');
    }
    unit = run.stepsPerEpoch;
  }
  const total = run.maxEpochs * unit;
  const warmup = Math.min(Math.round(s.warmupEpochs * unit), Math.max(total - 1, 0));
  const cosine = () => new CosineAnnealingLR(optimizer, { tMax: Math.max(total - warmup, 1), etaMin: o.lr * s.etaMinFactor });
  if (warmup === 0) return { optimizer, scheduler: cosine(), interval: s.interval };
  const linear = new LinearLR(optimizer, { startFactor: s.warmupStartFactor, endFactor: 1, totalIters: warmup });
  const scheduler = new SequentialLR(optimizer, { schedulers: [linear, cosine()], milestones: [warmup] });
  return { optimizer, scheduler, interval: s.interval };
}
