/**
 * Training: the Trainer and its loops, callbacks, loggers and checkpoints.
 *
 * @example
 * import { Trainer, callbacks, loggers } from 'classifier-training';
 * const trainer = new Trainer({ maxEpochs: 5, callbacks: [new callbacks.EarlyStopping()], logger: [new loggers.CSVLogger()] });
 *
 * @module
 */
export { Trainer } from './trainer.js';
export type {
  TrainerInput,
  Progress,
  FitOptions,
  FitResult,
  FitStopReason,
  TrainerEvent,
  TrainerEventMap,
  TrainerEventName,
} from './trainer.js';
export type { TrainerEventStream } from './trainer-event-stream.js';
export { parseTrainerOptions, resolveTrainerOptions, trainerOptionsSchema } from './trainer-options.js';
export type { ResolvedTrainerOptions, TrainerOptions, TrainerOptionsInput } from './trainer-options.js';
export type { OptimizerRun, Split, StepOutput, TrainableModule } from './trainable-module.js';
export { Callback } from './callback.js';
export type { BatchContext, HookName, Hooks, TrainerStage } from './callback.js';
export type { Logger, LogStep, RunStatus } from './logger.js';
export type { EpochRecord, TrainerView } from './trainer-view.js';
export type { Checkpoint, ModelInfo } from './checkpoint/checkpoint.js';
export { readCheckpoint, readCheckpointHeader, writeCheckpoint, CHECKPOINT_FORMAT } from './checkpoint/checkpoint-io.js';
export { checkpointCandidates, checkResumeConfig, resolveCheckpoint } from './checkpoint/checkpoint-connector.js';
export { fingerprintConfig, diffConfigs } from '../fingerprint.js';
export { GradScaler } from './grad-scaler.js';
export * as callbacks from './callbacks/index.js';
export * as loggers from './loggers/index.js';
export { exportCheckpoint, moduleFromCheckpoint } from './export-checkpoint.js';
export { lrFind, lrFindOptionsSchema, parseLrFindOptions, saveLrFind, lrOverride, suggestLr } from './tuning/index.js';
export type { LrFindOptions, LrFindOptionsInput, LrFindResult } from './tuning/index.js';
export type { ExportCheckpointOptions } from './export-checkpoint.js';
