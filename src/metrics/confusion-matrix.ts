/**
 * `MulticlassConfusionMatrix`, as torchmetrics' `MulticlassConfusionMatrix`:
 * a C x C matrix whose rows are targets and columns predictions (argmax of
 * float scores; the first index wins a tie). Rows whose target is
 * `ignoreIndex` or outside [0, C), and integer predictions outside [0, C), are left out.
 *
 * `normalize`: 'none' gives int64 counts; 'true' divides each row by its sum,
 * 'pred' each column by its sum, 'all' by the total (float32); a 0/0 (an empty
 * row or column) becomes 0, as torchmetrics does.
 *
 * @example
 * const cm = new MulticlassConfusionMatrix({ numClasses: 3, normalize: 'true' });
 * cm.update(logits, labels);
 * cm.compute(); // float32 [3, 3], rows sum to 1 (or 0 for an absent class)
 */
import { isFloatingPoint, isnan, logicalAnd, scatterAdd, tidy, where, zeros } from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkChoice, checkClassInputs, checkClassOptions, checkClassValues, validRows } from './inputs.js';
import type { ClassInputOptions } from './inputs.js';
import { Metric } from './metric.js';

/** How the confusion matrix is normalised. */
export type ConfusionNormalize = 'none' | 'true' | 'pred' | 'all';
const normalizations: readonly ConfusionNormalize[] = ['none', 'true', 'pred', 'all'];

/** Options of `MulticlassConfusionMatrix`. */
export interface ConfusionMatrixOptions extends ClassInputOptions {
  /** Default 'none' (int64 counts). */
  normalize?: ConfusionNormalize;
}

/** The multiclass confusion matrix (rows = target, columns = prediction). */
export class MulticlassConfusionMatrix extends Metric {
  readonly numClasses: number;
  readonly normalize: ConfusionNormalize;
  readonly ignoreIndex: number | null;
  readonly validateArgs: boolean;

  constructor(options: ConfusionMatrixOptions) {
    super();
    checkClassOptions('MulticlassConfusionMatrix', options);
    this.numClasses = options.numClasses;
    this.normalize = checkChoice('MulticlassConfusionMatrix', 'normalize', options.normalize ?? 'none', normalizations);
    this.ignoreIndex = options.ignoreIndex ?? null;
    this.validateArgs = options.validateArgs ?? false;
    this.addSumState('confmat', [this.numClasses * this.numClasses], 'int64');
  }

  protected config(): Record<string, unknown> {
    return { numClasses: this.numClasses, normalize: this.normalize, ignoreIndex: this.ignoreIndex };
  }

  /** Adds a batch: preds [N, C] scores or [N] class indices; target [N] class indices. */
  update(preds: Tensor, target: Tensor): void {
    checkClassInputs('MulticlassConfusionMatrix', preds, target, { numClasses: this.numClasses, allowLabels: true });
    if (this.validateArgs) checkClassValues('MulticlassConfusionMatrix', preds, target, this);
    tidy(() => {
      const c = this.numClasses;
      const labels = isFloatingPoint(preds.dtype) ? preds.argmax({ dim: 1 }) : preds.long();
      const valid = logicalAnd(validRows(target, c, this.ignoreIndex), logicalAnd(labels.ge(0), labels.lt(c)));
      const cell = where(valid, target.long().mul(c).add(labels), 0);
      const counts = scatterAdd(zeros([c * c], { dtype: 'int64', device: preds.device }), 0, cell, valid.long());
      this.accumulate('confmat', counts);
    });
  }

  /** The matrix: int64 [C, C] counts, or float32 [C, C] when normalised. */
  compute(): Tensor {
    return tidy(() => {
      const c = this.numClasses;
      const counts = this.sumState('confmat').reshape([c, c]);
      if (this.normalize === 'none') return counts.clone();
      const m = counts.float();
      const total =
        this.normalize === 'true'
          ? m.sum({ dim: 1, keepdim: true })
          : this.normalize === 'pred'
            ? m.sum({ dim: 0, keepdim: true })
            : m.sum();
      const ratio = m.div(total);
      return where(isnan(ratio), 0, ratio);
    });
  }
}
