/**
 * `collectPredictions`: one pass of a module over a loader in eval mode,
 * without gradients, batch by batch (each batch's tensors freed before the
 * next), into `Predictions`. A caller with its own probabilities (test-time
 * augmentation averages several views) passes `probsOf`.
 *
 * @example
 * const predictions = await collectPredictions(module, dm.valLoader());
 * predictions.probs.length; // N * C
 */
import type { DataLoader } from '../data/data-loader.js';
import { DataError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { PredictionCollector } from './predictions.js';
import type { Predictions } from './predictions.js';

/** Options of `collectPredictions`. */
export interface CollectOptions {
  /** Probabilities [B, C] of a batch of images (default: softmax of `module.forward`). */
  probsOf?: (images: Tensor) => Tensor;
  /** Class names (default: the module's `classNames`, else the data set's). */
  classNames?: readonly string[];
  /** Called after every batch with the samples done and the total (progress). */
  onBatch?: (done: number, total: number) => void;
}

/** Probabilities this close to 0 still give a finite loss (-log 1e-30 = 69). */
const TINY = 1e-30;

/**
 * The module's predictions on every sample of `loader` (which must be labelled and in order).
 *
 * @example
 * const { probs, targets, losses, paths } = await collectPredictions(module, dm.testLoader(), { probsOf: ttaProbs });
 */
export async function collectPredictions(
  module: Module & { readonly classNames?: readonly string[] },
  loader: DataLoader,
  options: CollectOptions = {},
): Promise<Predictions> {
  const dataset = loader.dataset;
  if (dataset.length === 0) throw new DataError('collectPredictions: expected a split with samples, but got an empty one');
  const classNames = options.classNames ?? module.classNames ?? dataset.classes;
  const collector = new PredictionCollector(classNames.length);
  const device = module.parameters()[0]?.device ?? 'cpu';
  const wasTraining = module.training;
  module.eval();
  try {
    for await (const batch of loader.epoch(0)) {
      const { logProbs, labels } = torch.tidy(() =>
        torch.noGrad(() => {
          const images = device === 'cpu' ? batch.images : batch.images.to(device);
          const logp = options.probsOf === undefined ? module.forward(images).logSoftmax(1) : options.probsOf(images).clamp(TINY).log();
          return { logProbs: logp.float().to('cpu').data() as Float32Array, labels: batch.labels.data() };
        }),
      );
      batch.images.dispose();
      batch.labels.dispose();
      collector.add(logProbs, labels, batch.indices);
      options.onBatch?.(collector.length, dataset.length);
    }
  } finally {
    module.train(wasTraining);
  }
  return collector.finish(dataset, classNames);
}
