/**
 * `Predictions`: what one pass of a model over a labelled split leaves for
 * the analysis (probabilities, targets, per-sample losses, the samples'
 * names), and `PredictionCollector`, which gathers it batch by batch from
 * log-probabilities, so `collectPredictions` and the fit-end callback (which
 * reads the validation pass's logits) build it the same way.
 *
 * @example
 * const collector = new PredictionCollector(3);
 * collector.add(logProbs, labels, indices);
 * const predictions = collector.finish(dataset);
 */
import type { ImageDataset } from '../data/dataset.js';
import { ShapeError } from '../errors.js';

/** A model's predictions on a labelled split. */
export interface Predictions {
  /** Softmax probabilities, N x C row-major. */
  probs: Float32Array;
  /** The given class of every sample. */
  targets: Int32Array;
  /** Per-sample cross-entropy: -log p(target). */
  losses: Float32Array;
  /** The sample's file path, or its id for in-memory data (`idx:test#17`). */
  paths: string[];
  /** The sample's index in its data set (to read its pixels again). */
  indices: Int32Array;
  classNames: string[];
}

/** Gathers `Predictions` batch by batch. */
export class PredictionCollector {
  readonly numClasses: number;
  #probs: number[] = [];
  #targets: number[] = [];
  #losses: number[] = [];
  #indices: number[] = [];

  constructor(numClasses: number) {
    this.numClasses = numClasses;
  }

  /** Samples added so far. */
  get length(): number {
    return this.#targets.length;
  }

  /**
   * Adds a batch: log-probabilities B x C row-major, the B targets and the B data-set indices.
   *
   * @example
   * collector.add(logits.logSoftmax(1).data() as Float32Array, labels.data(), batch.indices);
   */
  add(logProbs: ArrayLike<number>, targets: ArrayLike<number | bigint>, indices: readonly number[]): void {
    const c = this.numClasses;
    const b = targets.length;
    if (logProbs.length !== b * c || indices.length !== b)
      throw new ShapeError(
        `PredictionCollector: expected ${b} x ${c} log-probabilities and ${b} indices, but got ${logProbs.length} values and ${indices.length} indices`,
      );
    for (let i = 0; i < b; i++) {
      const target = Number(targets[i]);
      for (let j = 0; j < c; j++) this.#probs.push(Math.exp(logProbs[i * c + j]));
      this.#targets.push(target);
      this.#losses.push(target >= 0 && target < c ? -logProbs[i * c + target] : Number.NaN);
      this.#indices.push(indices[i]);
    }
  }

  /**
   * The predictions, naming each sample by `dataset.describe` and each class by `dataset.classes`
   * (or `classNames` when given: the module's, which travel with the checkpoint).
   */
  finish(dataset: ImageDataset, classNames: readonly string[] = dataset.classes): Predictions {
    return {
      probs: Float32Array.from(this.#probs),
      targets: Int32Array.from(this.#targets),
      losses: Float32Array.from(this.#losses),
      paths: this.#indices.map((i) => dataset.describe(i)),
      indices: Int32Array.from(this.#indices),
      classNames: [...classNames],
    };
  }
}
