/**
 * What a loop is handed: the Trainer (its view for hooks, and the run's
 * services: options, precision, profiler, collector, loggers, the
 * data-parallel strategy), the module, the hook dispatcher and the progress
 * it advances, all present, so a loop never asks the Trainer for a field that
 * might be missing, and writes nothing but the progress.
 *
 * @example
 * await runEvaluation({ trainer, module, hooks, progress }, 'val', loader);
 */
import type { DataLoader } from '../../data/data-loader.js';
import type { Optimizer } from '../../torch/optim/index.js';
import type { HookDispatcher } from '../hook-dispatcher.js';
import type { SchedulerStepper } from '../scheduler-stepper.js';
import type { SignalGuard } from '../signal-guard.js';
import type { TrainableModule } from '../trainable-module.js';
import type { Trainer } from '../trainer.js';
import type { FitProgress } from './fit-progress.js';

/** Every stage: validate, test and predict run on this. */
export interface StageContext {
  readonly trainer: Trainer;
  readonly module: TrainableModule;
  readonly hooks: HookDispatcher;
  readonly progress: FitProgress;
}

/** A fit: the stage's context plus the train loader, the optimizer and its schedule. */
export interface FitContext extends StageContext {
  readonly trainLoader: DataLoader;
  readonly valLoader: DataLoader | null;
  readonly optimizer: Optimizer;
  readonly stepper: SchedulerStepper;
  /** Train batches per epoch after the limits. */
  readonly numTrainBatches: number;
  readonly signals: SignalGuard | null;
  /** The caller's `fit(..., { signal })`: stops the run as a process signal does. */
  readonly abortSignal: AbortSignal | null;
}
