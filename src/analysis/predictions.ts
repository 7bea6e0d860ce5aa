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

/** Joins typed-array chunks into one array. */
function concat<T extends Float32Array | Int32Array>(chunks: readonly T[], make: (length: number) => T): T {
  const out = make(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Gathers `Predictions` batch by batch (as typed-array chunks: 50,000 x 1,000 probabilities stay 200 MB). */
export class PredictionCollector {
  readonly numClasses: number;
  #probs: Float32Array[] = [];
  #targets: Int32Array[] = [];
  #losses: Float32Array[] = [];
  #indices: Int32Array[] = [];
  #length = 0;

  constructor(numClasses: number) {
    this.numClasses = numClasses;
  }

  /** Samples added so far. */
  get length(): number {
    return this.#length;
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
    const given = Int32Array.from({ length: b }, (_, i) => Number(targets[i]));
    this.#probs.push(Float32Array.from(logProbs, Math.exp));
    this.#targets.push(given);
    this.#losses.push(Float32Array.from(given, (t, i) => (t >= 0 && t < c ? -logProbs[i * c + t] : Number.NaN)));
    this.#indices.push(Int32Array.from(indices));
    this.#length += b;
  }

  /**
   * The predictions, naming each sample by `dataset.describe` and each class by `dataset.classes`
   * (or `classNames` when given: the module's, which travel with the checkpoint).
   */
  finish(dataset: ImageDataset, classNames: readonly string[] = dataset.classes): Predictions {
    const indices = concat(this.#indices, (n) => new Int32Array(n));
    return {
      probs: concat(this.#probs, (n) => new Float32Array(n)),
      targets: concat(this.#targets, (n) => new Int32Array(n)),
      losses: concat(this.#losses, (n) => new Float32Array(n)),
      paths: Array.from(indices, (i) => dataset.describe(i)),
      indices,
      classNames: [...classNames],
    };
  }
}
