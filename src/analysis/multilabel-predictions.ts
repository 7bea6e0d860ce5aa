/**
 * `MultilabelPredictions`: what one pass of a multi-label model over a
 * labelled split leaves for the analysis (sigmoid probabilities, multi-hot
 * targets, each sample's BCE, the samples' names and the module's
 * thresholds), and `MultilabelCollector`, which gathers it from logits batch
 * by batch, so `analyze` and the fit-end callback (which reads the
 * validation pass's logits) build it the same way.
 *
 * @example
 * const collector = new MultilabelCollector(3);
 * collector.add(logits.data() as Float32Array, multiHot.data() as Float32Array, batch.indices);
 * const predictions = collector.finish(dataset, classNames, [0.5, 0.5, 0.5]);
 */
import type { DataLoader } from '../data/data-loader.js';
import type { ImageDataset } from '../data/dataset.js';
import { ShapeError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';

/** A multi-label model's predictions on a labelled split. */
export interface MultilabelPredictions {
  /** Sigmoid probabilities, N x C row-major. */
  probs: Float32Array;
  /** 0/1 targets, N x C row-major (a soft target counts from 0.5, as the metrics count it). */
  targets: Uint8Array;
  /** Each sample's binary cross-entropy from the logits, the mean over its labels. */
  losses: Float32Array;
  paths: string[];
  indices: Int32Array;
  classNames: string[];
  /** The decision threshold of each label. */
  thresholds: number[];
}

/** BCE of one logit against a 0/1 target, without overflow for large |x|. */
const bce = (x: number, y: number): number => Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));

/** Gathers `MultilabelPredictions` batch by batch. */
export class MultilabelCollector {
  readonly numLabels: number;
  #probs: number[] = [];
  #targets: number[] = [];
  #losses: number[] = [];
  #indices: number[] = [];

  constructor(numLabels: number) {
    this.numLabels = numLabels;
  }

  /** Samples added so far. */
  get length(): number {
    return this.#indices.length;
  }

  /**
   * Adds a batch: logits B x C row-major, targets B x C (multi-hot or mixed) and the B data-set indices.
   *
   * @example
   * collector.add(logits, targets, [0, 1]);
   */
  add(logits: ArrayLike<number>, targets: ArrayLike<number>, indices: readonly number[]): void {
    const c = this.numLabels;
    const b = indices.length;
    if (logits.length !== b * c || targets.length !== b * c)
      throw new ShapeError(
        `MultilabelCollector: expected ${b} x ${c} logits and targets, but got ${logits.length} logits and ${targets.length} targets`,
      );
    for (let i = 0; i < b; i++) {
      let loss = 0;
      for (let j = 0; j < c; j++) {
        const x = logits[i * c + j];
        const y = targets[i * c + j] >= 0.5 ? 1 : 0;
        this.#probs.push(1 / (1 + Math.exp(-x)));
        this.#targets.push(y);
        loss += bce(x, y);
      }
      this.#losses.push(loss / c);
      this.#indices.push(indices[i]);
    }
  }

  /** The predictions, each sample named by `dataset.describe`. */
  finish(dataset: ImageDataset, classNames: readonly string[], thresholds: readonly number[]): MultilabelPredictions {
    return {
      probs: Float32Array.from(this.#probs),
      targets: Uint8Array.from(this.#targets),
      losses: Float32Array.from(this.#losses),
      paths: this.#indices.map((i) => dataset.describe(i)),
      indices: Int32Array.from(this.#indices),
      classNames: [...classNames],
      thresholds: [...thresholds],
    };
  }
}

/**
 * A multi-label module's predictions on every sample of `loader` (labelled, in order), in eval mode without gradients.
 *
 * @example
 * const predictions = await collectMultilabelPredictions(module, dm.valLoader(), { classNames, thresholds });
 */
export async function collectMultilabelPredictions(
  module: Module,
  loader: DataLoader,
  options: { classNames: readonly string[]; thresholds: readonly number[] },
): Promise<MultilabelPredictions> {
  const collector = new MultilabelCollector(options.classNames.length);
  const device = module.parameters()[0]?.device ?? 'cpu';
  const wasTraining = module.training;
  module.eval();
  try {
    for await (const batch of loader.epoch(0)) {
      const { logits, targets } = torch.tidy(() =>
        torch.noGrad(() => ({
          logits: module.forward(batch.images.to({ device })).float().to('cpu').data() as Float32Array,
          targets: batch.labels.float().data() as Float32Array,
        })),
      );
      torch.dispose([batch.images, batch.labels]);
      collector.add(logits, targets, batch.indices);
    }
  } finally {
    module.train(wasTraining);
  }
  return collector.finish(loader.dataset, options.classNames, options.thresholds);
}
