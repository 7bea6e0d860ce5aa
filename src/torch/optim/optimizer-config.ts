/**
 * What a module's `configureOptimizers` returns (Lightning's optimizer +
 * lr_scheduler dict). Declared with the optimizers, below the modules that
 * build it and the Trainer that steps it.
 *
 * @example
 * const config: OptimizerConfig = { optimizer: new SGD(model.parameters(), { lr: 0.1 }), scheduler: null, interval: 'epoch' };
 */
import type { Optimizer } from './optimizer.js';
import type { LRScheduler } from './lr-scheduler/lr-scheduler.js';
import type { ReduceLROnPlateau } from './lr-scheduler/reduce-lr-on-plateau.js';
import type { SequentialLR } from './lr-scheduler/sequential-lr.js';

/** Any LR scheduler: the epoch-indexed ones, SequentialLR and ReduceLROnPlateau (`step(metric)`). @example const s: Scheduler | null = null; */
export type Scheduler = LRScheduler | SequentialLR | ReduceLROnPlateau;

/** The optimizer, its scheduler and when the scheduler steps. @example const c: OptimizerConfig = { optimizer, scheduler: null, interval: 'step' }; */
export interface OptimizerConfig {
  optimizer: Optimizer;
  scheduler: Scheduler | null;
  /** Step the scheduler after every epoch or after every optimizer step. */
  interval: 'epoch' | 'step';
}
