/**
 * Builds the optimizer and LR scheduler a ClassificationModule asks for,
 * through the registry (`hp.optimizer.name`, `hp.scheduler.name`), with no
 * weight decay on norm and bias parameters when asked; the scheduler is
 * stepped per epoch or per optimizer step (`scheduler.interval`). Fine-tuning
 * passes named layer groups, each with its lr scale: every one becomes
 * param groups (split by weight decay) with lr × scale and the group's
 * `name`, so schedulers scale each from its own base lr and the LR monitor
 * names it.
 *
 * @example
 * const { optimizer, scheduler, interval } = configureOptimizers(model.parameters(), hp, { maxEpochs: 30, stepsPerEpoch: 100 });
 */
import type { Tensor } from '../torch/index.js';
import type { Optimizer, OptimizerConfig, Scheduler } from '../torch/optim/index.js';
import { ConfigError } from '../errors.js';
import { registry } from '../registry.js';

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

/** Parameters that share a learning rate: `lr × lrScale`, logged under `name` (e.g. 'head', 'group3'). @example const g: LayerGroup = { name: 'head', params: fc.parameters(), lrScale: 1 }; */
export interface LayerGroup {
  readonly name: string;
  readonly params: readonly Tensor[];
  readonly lrScale: number;
}

/** The optimizer and scheduler sections a module configures from: a registered name, the group's keys and the options. */
export interface OptimizerSections {
  optimizer: { name: string; noDecayOnNormAndBias: boolean } & Record<string, unknown>;
  scheduler: { name: string; interval: 'epoch' | 'step' } & Record<string, unknown>;
}

const isLayerGroups = (params: readonly Tensor[] | readonly LayerGroup[]): params is readonly LayerGroup[] =>
  params.length > 0 && 'lrScale' in params[0];

/**
 * Layer groups as param groups: each split by weight decay, with lr × scale
 * and the group's name (both halves of a group share it). The caller chose
 * each group's parameters, frozen ones included: a parameter frozen for the
 * first epochs must be in the optimizer from the start.
 */
function layerParamGroups(layers: readonly LayerGroup[], lr: number, weightDecay: number, noDecayOnNormAndBias: boolean) {
  return layers.flatMap((layer) =>
    decayGroups(layer.params, weightDecay, noDecayOnNormAndBias).map((g) => ({ ...g, lr: lr * layer.lrScale, name: layer.name })),
  );
}

function buildOptimizer(params: readonly Tensor[] | readonly LayerGroup[], o: OptimizerSections['optimizer']): Optimizer {
  const { name, noDecayOnNormAndBias, ...options } = o;
  const weightDecay = typeof options.weightDecay === 'number' ? options.weightDecay : 0;
  if (isLayerGroups(params)) {
    if (typeof options.lr !== 'number') {
      throw new ConfigError(`configureOptimizers: expected a numeric optimizer.lr to scale per layer group, but got ${String(options.lr)}`);
    }
    const groups = layerParamGroups(params, options.lr, weightDecay, noDecayOnNormAndBias);
    return registry.build<Optimizer>('optimizer', name, options, { params: groups });
  }
  const groups = decayGroups(
    params.filter((p) => p.requiresGrad),
    weightDecay,
    noDecayOnNormAndBias,
  );
  return registry.build<Optimizer>('optimizer', name, options, { params: groups });
}

/** The run's size in the scheduler's steps, for the sizes the scheduler takes (its runtime keys), checked. */
function runSizes(runtime: readonly string[], interval: 'epoch' | 'step', run: { maxEpochs: number; stepsPerEpoch?: number }) {
  const sizes: Record<string, number> = {};
  if (runtime.includes('stepsPerEpoch')) {
    if (interval === 'step' && (run.stepsPerEpoch === undefined || !Number.isInteger(run.stepsPerEpoch) || run.stepsPerEpoch < 1)) {
      throw new ConfigError(
        `configureOptimizers: expected an integer stepsPerEpoch >= 1 for scheduler.interval=step, but got ${run.stepsPerEpoch}`,
      );
    }
    sizes.stepsPerEpoch = interval === 'step' ? run.stepsPerEpoch! : 1;
  }
  if (runtime.includes('maxEpochs')) {
    if (!Number.isInteger(run.maxEpochs) || run.maxEpochs < 1) {
      throw new ConfigError(`configureOptimizers: expected an integer maxEpochs >= 1, but got ${run.maxEpochs}`);
    }
    sizes.maxEpochs = run.maxEpochs;
  }
  return sizes;
}

/**
 * The optimizer and scheduler for a run of `maxEpochs` (times `stepsPerEpoch`
 * with `interval: 'step'`); the scheduler group's "no scheduler" name gives
 * a constant lr (scheduler null). `params` is a list of tensors (those that
 * require grad get one lr) or named layer groups with their lr scales.
 *
 * @example
 * const { optimizer, scheduler } = configureOptimizers(model.parameters(), parseClassificationOptions({ numClasses: 10 }), { maxEpochs: 30 });
 * configureOptimizers([{ name: 'head', params: head, lrScale: 1 }, { name: 'group0', params: stem, lrScale: 0.1 }], hp, { maxEpochs: 30 });
 */
export function configureOptimizers(
  params: readonly Tensor[] | readonly LayerGroup[],
  hp: OptimizerSections,
  run: { maxEpochs: number; stepsPerEpoch?: number },
): OptimizerConfig {
  const optimizer = buildOptimizer(params, hp.optimizer);
  const { name, interval, ...options } = hp.scheduler;
  // A scheduler that sizes itself from the run declares maxEpochs / stepsPerEpoch as runtime keys.
  const sizes = runSizes(registry.runtimeKeys('scheduler', name), interval, run);
  const scheduler = registry.build<Scheduler | null>('scheduler', name, options, { ...sizes, optimizer });
  return { optimizer, scheduler, interval };
}
