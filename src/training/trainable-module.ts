/**
 * `TrainableModule`: all the Trainer knows of a module, the way Lightning
 * knows a `LightningModule`. It is a torch `Module` (the Trainer moves it to
 * the run's device, saves and restores its state, and a data-parallel run
 * shards its gradients) with the steps the loops call and
 * `configureOptimizers`; everything else is optional and asked for only
 * when present. `ClassificationModule` fits it structurally, so models never
 * import training and training never imports models.
 *
 * @example
 * class Boring extends nn.Module implements TrainableModule {
 *   readonly layer = new nn.Linear(32, 2);
 *   forward(x: Tensor) { return this.layer.forward(x); }
 *   trainingStep(batch: ClassificationBatch) { return this.forward(batch.images).pow(2).mean(); }
 *   validationStep(batch: ClassificationBatch) { return { loss: this.trainingStep(batch) }; }
 *   configureOptimizers() { return { optimizer: new optim.SGD(this.parameters(), { lr: 0.1 }), scheduler: null, interval: 'epoch' }; }
 * }
 */
import type { ClassificationBatch } from '../data/classification-batch.js';
import type { LogEntry } from '../metrics/log-entry.js';
import type { MetricReducer } from '../metrics/metric.js';
import type { PrecisionRecallCurve } from '../metrics/multilabel-ranking.js';
import type { OnnxExportMetadata } from '../export/onnx/metadata.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import type { OptimizerConfig } from '../torch/optim/index.js';
import type { Hooks } from './callback.js';

/** The splits a module keeps metrics for. */
export type Split = 'train' | 'val' | 'test';

/** What an evaluation step returns: the batch's mean loss, and its logits [B, C] when the module has them. */
export interface StepOutput {
  loss: Tensor;
  logits?: Tensor;
}

/** What the schedule of a run looks like when the module configures its optimizers. */
export interface OptimizerRun {
  maxEpochs: number;
  stepsPerEpoch?: number;
}

/** The hooks the loops call on the module themselves, before callbacks see the epoch's metrics. */
type LoopOwnedHook = 'onTrainEpochEnd' | 'onValidationEpochEnd' | 'onTestEpochEnd';

/** A module the Trainer can fit, validate, test and predict with. */
export interface TrainableModule extends Module, Omit<Hooks, LoopOwnedHook> {
  /** Forward and loss of one train batch; the loss to back-propagate. */
  trainingStep(batch: ClassificationBatch, batchIdx: number): Tensor;
  /** Forward and loss of one val batch. */
  validationStep(batch: ClassificationBatch, batchIdx: number): StepOutput;
  /** Forward and loss of one test batch (needed by `trainer.test`). */
  testStep?(batch: ClassificationBatch, batchIdx: number): StepOutput;
  /** Class probabilities [B, C] of a batch (needed by `trainer.predict`). */
  predictStep?(batch: ClassificationBatch, batchIdx: number): { probs: Tensor };
  /** The optimizer and scheduler for a run of `maxEpochs` epochs of `stepsPerEpoch` optimizer steps. */
  configureOptimizers(run: OptimizerRun): OptimizerConfig;

  /** Hands over what the module logged since the last call; the Trainer disposes tensor values. */
  takeLogs?(): LogEntry[];
  /** The split's epoch end: computes (and logs) its metrics. Called by the loops, before the callbacks' hook. */
  onTrainEpochEnd?(): unknown;
  onValidationEpochEnd?(): unknown;
  onTestEpochEnd?(): unknown;
  /** Makes this rank's metrics of `split` hold every rank's state (data-parallel runs). */
  syncMetrics?(split: Split, reduce: MetricReducer): void;
  /** Drops the metrics of `split` without computing them (the sanity check's). */
  resetMetrics?(split: Split): void;

  /** Classes the module predicts, for plots and reports. */
  readonly numClasses?: number;
  /** Class names in index order, when the module knows them (they travel with checkpoints). */
  readonly classNames?: readonly string[];
  /** True when the loss wants class weights computed from the training data. */
  readonly useClassWeights?: boolean;
  /** Receives the class weights the data module computed (see `useClassWeights`). */
  setClassWeights?(weights: readonly number[] | null): void;
  /** A multi-label module's last precision-recall curve and AP of each label, per split, for plots. */
  readonly labelCurves?: Partial<Record<Split, { curves: PrecisionRecallCurve[]; ap: number[] }>>;
  /** The last confusion matrix of each split, for plots. */
  readonly confusionMatrices?: Partial<Record<Split, Tensor>>;
  /** Hyperparameters saved into every checkpoint (so export can rebuild the module). */
  readonly hparams?: object;
  /** The backbone's registry name and options, when it was built by name (so export can rebuild it). */
  readonly modelInfo?: { name: string; options: Record<string, unknown> } | null;
  /** The network a model summary describes (default: the module itself). */
  readonly summaryModule?: Module;
  /** The network an ONNX export writes (default: the module itself), e.g. the backbone with its output activation. */
  readonly exportModule?: Module;
  /** What an export adds to the model's metadata: a multi-label module's task and per-class thresholds. */
  readonly exportMetadata?: Pick<OnnxExportMetadata, 'task' | 'thresholds'>;
}
