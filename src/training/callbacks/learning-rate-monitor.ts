/**
 * `LearningRateMonitor`: logs the learning rate of every param group of the
 * optimizer, as Lightning's callback of the same name does, so schedules
 * show up in metrics.csv and TensorBoard next to the loss.
 *
 * Names are Lightning's: `lr-<OptimizerClass>` for one param group,
 * `lr-<OptimizerClass>/pg1`, `/pg2`, ... (1-based) for several, or
 * `lr-<OptimizerClass>/<name>` when the groups carry a `name` (fine-tuning's
 * `head`, `group0`, ...; the decay and no-decay halves of a layer group
 * share its name and its lr, logged once); with `logMomentum`,
 * `lr-<OptimizerClass>-momentum` (`betas[0]` for Adam-style optimizers,
 * `momentum` for SGD, 0 when a group has neither).
 *
 * @example
 * new Trainer({ callbacks: [new LearningRateMonitor({ loggingInterval: 'step', logMomentum: true })] });
 * // logs lr-AdamW and lr-AdamW-momentum before every train batch
 */
import { z } from 'zod';
import { parseOptions } from '../../data/transforms/options.js';
import { register } from '../../registry.js';
import type { ParamGroup } from '../../torch/optim/index.js';
import type { TrainableModule } from '../trainable-module.js';
import { Callback } from '../callback.js';
import type { BatchContext } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';

/** Options of `LearningRateMonitor`. */
export const learningRateMonitorSchema = z
  .object({
    /** 'step': before every train batch; 'epoch': at the start of every train epoch. */
    loggingInterval: z.enum(['step', 'epoch']).default('step'),
    /** Also log the momentum (`betas[0]` or `momentum`) of each group. */
    logMomentum: z.boolean().default(false),
  })
  .strict();

/** What the `LearningRateMonitor` constructor accepts. */
export type LearningRateMonitorOptions = z.input<typeof learningRateMonitorSchema>;

/** The momentum of a group: Adam's first beta, SGD's momentum, else 0. */
function momentumOf(group: ParamGroup): number {
  const { betas, momentum } = group as ParamGroup & { betas?: readonly number[]; momentum?: number };
  if (Array.isArray(betas) && typeof betas[0] === 'number') return betas[0];
  return typeof momentum === 'number' ? momentum : 0;
}

/** A param group's `name`, when it has one (PyTorch's param groups take any key; Lightning names by it). */
const nameOf = (group: ParamGroup): unknown => (group as ParamGroup & { name?: unknown }).name;

/**
 * Logs learning rates (and momenta) of the optimizer's param groups.
 *
 * @example
 * const monitor = new LearningRateMonitor({ loggingInterval: 'epoch' });
 * monitor.onTrainEpochStart(trainer); // trainer.log('lr-SGD', 0.1, { onStep: true, onEpoch: false })
 */
export class LearningRateMonitor extends Callback {
  /** Reports only: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  readonly loggingInterval: 'step' | 'epoch';
  readonly logMomentum: boolean;
  /** The values last logged, by name (Lightning's `lrs`, last value only). */
  readonly lastValues: Record<string, number> = {};

  constructor(options: LearningRateMonitorOptions = {}) {
    super();
    const parsed = parseOptions('LearningRateMonitor', learningRateMonitorSchema, options);
    this.loggingInterval = parsed.loggingInterval;
    this.logMomentum = parsed.logMomentum;
  }

  override onTrainStart(trainer: TrainerView, _module?: TrainableModule): void {
    if (trainer.loggers.length === 0) {
      trainer.print('LearningRateMonitor: expected at least one logger, but got none; learning rates go to callbackMetrics only');
    }
  }

  override onTrainBatchStart(trainer: TrainerView, _module?: TrainableModule, _context?: BatchContext): void {
    if (this.loggingInterval === 'step') this.#logAll(trainer);
  }

  override onTrainEpochStart(trainer: TrainerView, _module?: TrainableModule): void {
    if (this.loggingInterval === 'epoch') this.#logAll(trainer);
  }

  /** The values to log now, by name (empty without an optimizer). */
  extract(trainer: Pick<TrainerView, 'optimizer'>): Record<string, number> {
    const optimizer = trainer.optimizer;
    if (optimizer === null) return {};
    const base = `lr-${optimizer.constructor.name}`;
    const groups = optimizer.paramGroups;
    const named = groups.every((g) => typeof nameOf(g) === 'string');
    const suffix = (group: ParamGroup, i: number): string => (named ? `/${nameOf(group)}` : groups.length > 1 ? `/pg${i + 1}` : '');
    const values: Record<string, number> = {};
    groups.forEach((group, i) => {
      const key = `${base}${suffix(group, i)}`;
      // Two groups of one name (a layer group's decay and no-decay halves) log the first one's values.
      if (key in values) return;
      values[key] = group.lr;
      if (this.logMomentum) values[`${base}-momentum${suffix(group, i)}`] = momentumOf(group);
    });
    return values;
  }

  #logAll(trainer: TrainerView): void {
    for (const [name, value] of Object.entries(this.extract(trainer))) {
      trainer.log(name, value, { onStep: true, onEpoch: false });
      this.lastValues[name] = value;
    }
  }
}

register({
  group: 'callback',
  name: 'learning_rate_monitor',
  schema: learningRateMonitorSchema,
  build: (options) => new LearningRateMonitor(options),
  description: 'Logs the learning rate (and momentum) of every param group',
});
