/**
 * `Checkpoint`: everything a run needs to continue as if it had never
 * stopped, and everything export needs to rebuild the model without the
 * training data. On disk it is one safetensors file (`*.ckpt`): the tensors
 * (model, optimizer and callback state, libtorch's generator state) by name,
 * and the rest as JSON in the header's metadata (see `checkpoint-io.ts`).
 *
 * @example
 * const ckpt = readCheckpoint('outputs/run/checkpoints/last.ckpt');
 * module.loadStateDict(ckpt.model); ckpt.epoch; ckpt.hparams.numClasses;
 */
import type { Tensor } from '../../torch/index.js';
import type { StateTree } from '../../torch/optim/index.js';
import type { EpochRecord } from '../trainer-view.js';

/** The model a checkpoint holds, by registry name and options (so export can rebuild it). */
export interface ModelInfo {
  name: string;
  options: Record<string, unknown>;
}

/**
 * Temperature scaling fitted for a checkpoint's weights (the `Calibration`
 * callback writes it at the end of fit): calibrated probabilities are
 * softmax(logits / temperature). Export carries it into the ONNX metadata.
 */
export interface CheckpointCalibration {
  temperature: number;
  /** The split it was fitted on ('val'), and what it changed there. */
  split: string;
  samples: number;
  nll: { before: number; after: number };
  ece: { before: number; after: number };
}

/** A checkpoint in memory. Tensors are owned by whoever read or built it. */
export interface Checkpoint {
  /** The epoch to continue (the one in progress when `batchInEpoch > 0`). */
  epoch: number;
  /** The run's seed (libtorch, the loader's order and transforms). */
  seed: number;
  /** Optimizer steps taken. */
  globalStep: number;
  /** Train batches of `epoch` already done (0: the epoch has not started). */
  batchInEpoch: number;
  /** The module's state dict (`backbone.conv1.weight`, ...). */
  model: Record<string, Tensor>;
  /** The backbone's registry name and options, when known. */
  modelInfo: ModelInfo | null;
  /** The module's hyperparameters (a ClassificationModule's options, as export rebuilds it). */
  hparams: Record<string, unknown>;
  /** Class names in index order (null when unknown). */
  classes: string[] | null;
  /** What labels_mapping.json holds (normalization, input size), when known. */
  labelsMapping: Record<string, unknown> | null;
  optimizer: StateTree | null;
  scheduler: StateTree | null;
  /** Callback states by `stateKey`. */
  callbacks: Record<string, StateTree>;
  /** libtorch's CPU generator state (uint8). */
  rngState: Tensor | null;
  /** Epoch-level metrics so far (curves continue on resume). */
  history: EpochRecord[];
  /** The latest value of every logged metric. */
  callbackMetrics: Record<string, number>;
  /** Fingerprint (sha256) of the resolved config, and the config itself, when the run had one. */
  configFingerprint: string | null;
  config: unknown;
  /** Free room for hooks (`onSaveCheckpoint`): JSON values and tensors. */
  extra: Record<string, StateTree>;
  /** The framework version that wrote it. */
  version: string;
  /** The temperature fitted for these weights; absent in checkpoints written before calibration or never calibrated. */
  calibration?: CheckpointCalibration | null;
}
