/**
 * Out-of-sample probabilities on the training split by k-fold
 * cross-validation, for confident learning (label-issues.ts): a model never
 * sees the labels it is asked about, so a wrong label shows as a confident
 * disagreement rather than being memorised. The folds are stratified; each
 * fold trains a fresh model from the run's plan (same epochs unless told
 * otherwise, seeded, quiet: no callbacks, loggers, checkpoints or files) on
 * the other folds and predicts the held-out one; each model and its
 * optimizer are freed before the next fold starts.
 *
 * The command passes run-builder.ts's `buildModule` and `buildTrainer` in:
 * analysis/ sits below cli/ and does not import it.
 *
 * @example
 * const builder = await import('../cli/run-builder.js');
 * const { predictions } = await crossValPredictions({ plan, dataModule: dm, folds: 3, builder });
 * findLabelIssues({ probs: predictions.probs, labels: predictions.targets, numClasses: predictions.classNames.length });
 */
import type { ImageClassificationDataModule } from '../data/datamodule.js';
import type { ImageDataset } from '../data/dataset.js';
import { Subset } from '../data/dataset.js';
import { stratifiedSplit } from '../data/stratified-split.js';
import { ConfigError } from '../errors.js';
import type { ClassificationModule } from '../models/classification-module.js';
import type { Trainer, TrainerOptions } from '../training/index.js';
import { collectPredictions } from './collect-predictions.js';
import type { Predictions } from './predictions.js';

/** The parts of a run plan cross-validation changes (a `RunPlan` of cli/run-plan.ts). */
export interface CrossValPlan {
  readonly trainer: Readonly<TrainerOptions>;
  readonly callbacks?: unknown;
  readonly logging?: unknown;
}

/** Builds each fold's model and Trainer from a plan (run-builder.ts's functions). */
export interface FoldBuilder<P extends CrossValPlan> {
  buildModule(plan: P, dm: ImageClassificationDataModule): ClassificationModule;
  buildTrainer(plan: P): Trainer;
}

/** Options of `crossValPredictions`. */
export interface CrossValOptions<P extends CrossValPlan> {
  /** The run's resolved plan. */
  plan: P;
  /** Built from the plan; set up for 'fit' here when it is not yet. Its train split is the one cross-validated. */
  dataModule: ImageClassificationDataModule;
  /** k, at least 2. */
  folds: number;
  /** Epochs per fold (default: the plan's `trainer.maxEpochs`, with its step and time limits). */
  epochs?: number;
  builder: FoldBuilder<P>;
  /** Called as each fold starts (progress). */
  onFold?: (fold: number, folds: number, trainSamples: number) => void;
}

/** Out-of-sample predictions on the training split. */
export interface CrossValResult {
  /** One row per training sample, in the split's order (`indices[i] === i`). */
  predictions: Predictions;
  /** The training split the predictions index into (thumbnails read it). */
  dataset: ImageDataset;
  /** The fold that held each sample out. */
  foldOf: Int32Array;
}

/**
 * Stratified folds: fold f takes 1/(k - f) of each class's remaining samples, drawn with
 * `stratifiedSplit`, so every fold holds each class's share (within one sample).
 *
 * @example
 * stratifiedFolds({ targets: [0, 0, 0, 1, 1, 1], folds: 3, seed: 0 }); // [[i, j], [k, l], [m, n]], one 0 and one 1 in each
 */
export function stratifiedFolds(options: { targets: ArrayLike<number>; folds: number; seed: number }): number[][] {
  const { targets, folds, seed } = options;
  if (!Number.isInteger(folds) || folds < 2 || folds > targets.length)
    throw new ConfigError(`cross-val: expected a fold count between 2 and the ${targets.length} training samples, but got ${folds}`);
  const out: number[][] = [];
  let rest = Array.from({ length: targets.length }, (_, i) => i);
  for (let f = 0; f < folds - 1; f++) {
    const split = stratifiedSplit({ targets: rest.map((i) => targets[i]), fraction: 1 / (folds - f), seed: seed + f });
    out.push(split.val.map((i) => rest[i]));
    rest = split.train.map((i) => rest[i]);
  }
  out.push(rest);
  return out;
}

/** The plan for one fold: the same run, quiet, seeded per fold, in one process, for `epochs` when given. */
function foldPlan<P extends CrossValPlan>(plan: P, seed: number, epochs: number | undefined): P {
  const limits = epochs === undefined ? {} : { maxEpochs: epochs, maxSteps: null, maxTime: null };
  return {
    ...plan,
    callbacks: {},
    logging: {},
    trainer: {
      ...plan.trainer,
      ...limits,
      seed,
      strategy: 'single',
      devices: 1,
      numNodes: 1,
      enableProgressBar: false,
      enableModelSummary: false,
      enableCheckpointing: false,
      handleSignals: false,
      profiler: null,
      fastDevRun: false,
    },
  };
}

/**
 * Trains `folds` models, each on the other folds of the training split, and gathers each one's
 * probabilities on the fold it did not see.
 *
 * @example
 * const { predictions, foldOf } = await crossValPredictions({ plan, dataModule: dm, folds: 5, epochs: 3, builder });
 */
export async function crossValPredictions<P extends CrossValPlan>(options: CrossValOptions<P>): Promise<CrossValResult> {
  const { plan, dataModule: dm, folds: k, builder } = options;
  if (options.epochs !== undefined && !(Number.isInteger(options.epochs) && options.epochs >= 1))
    throw new ConfigError(`cross-val: expected a positive integer of epochs, but got ${options.epochs}`);
  await dm.setup('fit');
  const full = dm.train!;
  const { val } = dm;
  const seed = plan.trainer.seed ?? 0;
  const folds = stratifiedFolds({ targets: full.targets, folds: k, seed });
  const foldOf = new Int32Array(full.length);
  folds.forEach((held, f) => held.forEach((i) => (foldOf[i] = f)));
  const parts: { held: number[]; predictions: Predictions }[] = [];
  try {
    for (const [f, held] of folds.entries()) {
      const train = new Subset(
        full,
        [...foldOf.keys()].filter((i) => foldOf[i] !== f),
      );
      options.onFold?.(f, k, train.length);
      const fold = foldPlan(plan, seed + f, options.epochs);
      parts.push({ held, predictions: await trainAndPredict(dm, train, new Subset(full, held), fold, builder) });
    }
  } finally {
    dm.train = full;
    dm.val = val;
  }
  return { predictions: merge(parts, full), dataset: full, foldOf };
}

/** One fold: a fresh model trained on `train` (no validation: the held-out fold must not steer it), then its predictions on `held`. */
async function trainAndPredict<P extends CrossValPlan>(
  dm: ImageClassificationDataModule,
  train: ImageDataset,
  held: ImageDataset,
  plan: P,
  builder: FoldBuilder<P>,
): Promise<Predictions> {
  dm.train = train;
  dm.val = null;
  const module = builder.buildModule(plan, dm);
  const trainer = builder.buildTrainer(plan);
  trainer.setPrinter(() => undefined);
  try {
    await trainer.fit(module, dm);
    dm.val = held;
    return await collectPredictions(module, dm.valLoader());
  } finally {
    trainer.dispose();
    module.dispose();
  }
}

/** The folds' predictions as one set in the training split's order. */
function merge(parts: readonly { held: number[]; predictions: Predictions }[], full: ImageDataset): Predictions {
  const c = parts[0].predictions.classNames.length;
  const n = full.length;
  const probs = new Float32Array(n * c);
  const targets = new Int32Array(n);
  const losses = new Float32Array(n);
  for (const { held, predictions: p } of parts) {
    p.indices.forEach((local, row) => {
      const i = held[local];
      probs.set(p.probs.subarray(row * c, (row + 1) * c), i * c);
      targets[i] = p.targets[row];
      losses[i] = p.losses[row];
    });
  }
  return {
    probs,
    targets,
    losses,
    paths: Array.from({ length: n }, (_, i) => full.describe(i)),
    indices: Int32Array.from({ length: n }, (_, i) => i),
    classNames: parts[0].predictions.classNames,
  };
}
