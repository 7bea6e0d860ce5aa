/**
 * `lrFind`: Lightning's `lr_find` and fastai's `lr_find`. It trains the
 * module for up to `numSteps` optimizer steps with the learning rate growing
 * exponentially from `minLr` to `maxLr`, records the loss of every step
 * (smoothed, bias-corrected), stops once the smoothed loss passes
 * `divergeThreshold` times its best, and suggests a learning rate (see
 * suggest-lr.ts). The sweep runs in a Trainer of its own, built from the
 * given Trainer's options (device, precision, memory format, clipping,
 * accumulation, seed, train-batch limit) without validation, checkpoints,
 * loggers or a progress bar; afterwards the module's parameters and buffers
 * (BatchNorm statistics included), its train/eval mode, its train metrics
 * and libtorch's random generator are put back as they were, and the given
 * Trainer is untouched, so a fit that follows starts exactly as it would
 * have without the sweep (its optimizer is built fresh by `fit`).
 *
 * @example
 * const result = await lrFind(trainer, module, dm, { maxLr: 10 });
 * console.log(`optimizer.lr=${result.suggestion}`); // e.g. optimizer.lr=3.2e-3
 * await trainer.fit(new ClassificationModule(backbone, { ...hp, optimizer: { lr: result.suggestion! } }), dm);
 */
import type { ImageClassificationDataModule } from '../../data/datamodule.js';
import { TrainingError } from '../../errors.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { TrainableModule } from '../trainable-module.js';
import { Trainer } from '../trainer.js';
import { parseLrFindOptions } from './lr-find-options.js';
import type { LrFindOptions, LrFindOptionsInput } from './lr-find-options.js';
import { LrSweepCallback } from './lr-sweep-callback.js';
import { suggestLr } from './suggest-lr.js';

/** What a sweep found. */
export interface LrFindResult {
  /** The learning rate of each step taken. */
  lrs: number[];
  /** Each step's loss (the mean over its accumulated batches). */
  losses: number[];
  /** The exponential average of the losses, bias-corrected (NaN after a non-finite loss). */
  smoothedLosses: number[];
  /** 'diverged': stopped early on the smoothed loss; 'completed': every step ran. */
  stopReason: 'completed' | 'diverged';
  /** The suggested learning rate, or null with `failure` saying why. */
  suggestion: number | null;
  /** The suggestion's index in the curve. */
  suggestionIndex: number | null;
  /** The first and last index of the valley the suggestion was taken from. */
  valley: [number, number] | null;
  failure: string | null;
  /** The options of the sweep, defaults filled in. */
  options: LrFindOptions;
}

/** What is put back after the sweep. */
interface Snapshot {
  state: Record<string, Tensor>;
  training: boolean;
  rng: Tensor;
}

function takeSnapshot(module: TrainableModule): Snapshot {
  // stateDict's detached handles die with the scope; the kept clones are the copy.
  const state = torch.tidy(() =>
    torch.noGrad(() => Object.fromEntries(Object.entries(module.stateDict()).map(([k, t]) => [k, torch.keep(t.clone())]))),
  );
  return { state, training: module.training, rng: torch.getRngState() };
}

function restoreSnapshot(module: TrainableModule, snapshot: Snapshot): void {
  try {
    module.loadStateDict(snapshot.state);
    module.train(snapshot.training);
    torch.setRngState(snapshot.rng);
    // The sweep's batches counted towards the train metrics and left logs behind.
    module.resetMetrics?.('train');
    for (const entry of module.takeLogs?.() ?? []) if (typeof entry.value !== 'number') entry.value.dispose();
  } finally {
    torch.dispose([...Object.values(snapshot.state), snapshot.rng]);
  }
}

/** The sweep's Trainer: the given one's way of training, none of its reporting. */
function sweepTrainer(trainer: Trainer, sweep: LrSweepCallback, numSteps: number): Trainer {
  const inner = new Trainer({
    ...trainer.options,
    fastDevRun: false,
    maxSteps: numSteps,
    maxEpochs: null,
    minEpochs: 0,
    maxTime: null,
    limitValBatches: 0,
    numSanityValSteps: 0,
    valCheckInterval: null,
    enableProgressBar: false,
    enableCheckpointing: false,
    enableModelSummary: false,
    handleSignals: false,
    profiler: null,
    strategy: 'single',
    syncBatchnorm: false,
    defaultRootDir: trainer.runDir,
    callbacks: [sweep],
    logger: false,
  });
  inner.setPrinter((m) => trainer.print(m));
  return inner;
}

/**
 * Sweeps the learning rate on `dataModule`'s train split; see the module doc.
 * Throws a ConfigError for bad options, a TrainingError for a data-parallel Trainer.
 *
 * @example
 * const { suggestion, failure } = await lrFind(trainer, module, dm, { minLr: 1e-7, numSteps: 200 });
 */
export async function lrFind(
  trainer: Trainer,
  module: TrainableModule,
  dataModule: ImageClassificationDataModule,
  options: LrFindOptionsInput = {},
): Promise<LrFindResult> {
  const o = parseLrFindOptions(options);
  if (trainer.options.strategy === 'ddp') {
    throw new TrainingError(
      "lrFind: expected a one-process Trainer, but got strategy 'ddp'; find the learning rate in one process and pass it as optimizer.lr",
    );
  }
  const sweep = new LrSweepCallback(o);
  const inner = sweepTrainer(trainer, sweep, o.numSteps);
  const snapshot = takeSnapshot(module);
  try {
    await inner.fit(module, dataModule);
  } finally {
    inner.dispose();
    restoreSnapshot(module, snapshot);
  }
  const { lrs, losses, smoothedLosses } = sweep;
  const found = suggestLr(lrs, smoothedLosses);
  return {
    lrs,
    losses,
    smoothedLosses,
    stopReason: sweep.diverged ? 'diverged' : 'completed',
    suggestion: found.suggestion?.lr ?? null,
    suggestionIndex: found.suggestion?.index ?? null,
    valley: found.suggestion?.valley ?? null,
    failure: found.failure,
    options: o,
  };
}
