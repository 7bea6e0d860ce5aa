/**
 * `TrainerView`: what hooks, callbacks and loggers see of the Trainer. It is
 * read-only but for `shouldStop` / `stop()` and `log()`, so a callback can
 * stop the run or log a value, and nothing else.
 *
 * @example
 * override onValidationEpochEnd(trainer: TrainerView) {
 *   if (trainer.callbackMetrics['val/loss'] > 10) trainer.stop('val/loss diverged');
 * }
 */
import type { ImageClassificationDataModule } from '../data/datamodule.js';
import type { Tensor } from '../torch/index.js';
import type { Optimizer } from '../torch/optim/index.js';
import type { LogOptions } from '../metrics/log-entry.js';
import type { Logger } from './logger.js';
import type { TrainerStage } from './callback.js';

/** One row of the run's history: the epoch-level values after an epoch (train and val). */
export interface EpochRecord {
  epoch: number;
  step: number;
  metrics: Record<string, number>;
}

/** The Trainer as hooks see it. */
export interface TrainerView {
  /** The stage running now. */
  readonly stage: TrainerStage;
  /** 0-based epoch. */
  readonly currentEpoch: number;
  /** Optimizer steps taken so far. */
  readonly globalStep: number;
  /** The batch index within the current epoch. */
  readonly batchIdx: number;
  /** Epoch limit (null: none, the run ends on maxSteps or maxTime). */
  readonly maxEpochs: number | null;
  /** Optimizer-step limit (null: none). */
  readonly maxSteps: number | null;
  /** Train batches per epoch after `limitTrainBatches`. */
  readonly numTrainBatches: number;
  /** The run directory (checkpoints/, plots/, metrics.csv, ...). */
  readonly runDir: string;
  /** The data module of the run (null when the loaders were given directly). */
  readonly dataModule: ImageClassificationDataModule | null;
  /** The optimizer during fit (null otherwise). */
  readonly optimizer: Optimizer | null;
  /** The latest value of every logged metric (epoch-reduced values at epoch end). */
  readonly callbackMetrics: Readonly<Record<string, number>>;
  /** Epoch-level metrics of every epoch so far (restored on resume). */
  readonly history: readonly EpochRecord[];
  /** The active loggers. */
  readonly loggers: readonly Logger[];
  /** True on the process that writes files (always, on one process). */
  readonly isGlobalZero: boolean;
  /** True while the sanity validation runs before training. */
  readonly sanityChecking: boolean;
  /** True once something asked the run to stop. */
  readonly shouldStop: boolean;
  /** Asks the fit loop to stop after the current step; the reason is logged. */
  stop(reason: string): void;
  /** Logs a value the way the module's `log` does (tensors are detached and read in batches). */
  log(name: string, value: Tensor | number, options?: LogOptions): void;
  /** Writes a message to the run's console output (respects the progress bar). */
  print(message: string): void;
  /**
   * Writes a checkpoint of the run as it stands (atomically; ModelCheckpoint calls this).
   * Mid-epoch, it records the position so a resume continues with the next batch.
   */
  saveCheckpoint(path: string): Promise<void>;
}
