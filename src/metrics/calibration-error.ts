/**
 * `MulticlassCalibrationError`, as torchmetrics' `MulticlassCalibrationError`
 * (top-label calibration error; norm 'l1' is the expected calibration error, ECE).
 *
 * Definitions, as torchmetrics 1.x:
 * - per update, rows whose target is `ignoreIndex` (or outside [0, C)) are left
 *   out, and scores go through a softmax unless every value of the batch's
 *   counted rows is already in [0, 1]; confidence = the largest probability
 *   (as float32), accuracy = 1 when its class (the first on a tie) is the target.
 * - bin boundaries are linspace(0, 1, nBins + 1) in float32 and a row goes to
 *   bin bucketize(confidence, boundaries, right = true) - 1: bins are
 *   [b_i, b_i+1), and a confidence of exactly 1 gets an extra (nBins + 1)-th bin.
 * - per bin, accuracy and confidence are means (0 for an empty bin) and
 *   prop = rows in the bin / all rows. 'l1' = sum(|acc - conf| * prop),
 *   'l2' = sqrt(sum((acc - conf)^2 * prop)), 'max' = max |acc - conf|.
 *
 * The state is three per-bin sums (float64), so memory stays constant and the
 * result matches torchmetrics' (which keeps every row) to float rounding.
 *
 * @example
 * const ece = new MulticlassCalibrationError({ numClasses: 10, nBins: 15 });
 * ece.update(logits, labels);
 * ece.compute().item();
 */
import { linspace, logicalAnd, scatterAdd, tidy, where, zeros } from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { runT } from '../torch/ops/dispatch.js';
import {
  checkChoice,
  checkClassInputs,
  checkClassOptions,
  checkClassValues,
  checkInteger,
  probabilitiesIfNeeded,
  validRows,
} from './inputs.js';
import type { ClassInputOptions } from './inputs.js';
import { Metric } from './metric.js';
import { safeDivide } from './stat-scores.js';

/** The norm that turns per-bin gaps into one number. */
export type CalibrationNorm = 'l1' | 'l2' | 'max';
const norms: readonly CalibrationNorm[] = ['l1', 'l2', 'max'];

/** Options of `MulticlassCalibrationError`. */
export interface CalibrationErrorOptions extends ClassInputOptions {
  /** Number of equal-width confidence bins. Default 15. */
  nBins?: number;
  /** Default 'l1' (ECE). */
  norm?: CalibrationNorm;
}

/** Top-label calibration error (ECE for norm 'l1'). */
export class MulticlassCalibrationError extends Metric {
  readonly numClasses: number;
  readonly nBins: number;
  readonly norm: CalibrationNorm;
  readonly ignoreIndex: number | null;
  readonly validateArgs: boolean;

  constructor(options: CalibrationErrorOptions) {
    super();
    checkClassOptions('MulticlassCalibrationError', options);
    this.numClasses = options.numClasses;
    this.nBins = checkInteger('MulticlassCalibrationError', 'nBins', options.nBins ?? 15, 1);
    this.norm = checkChoice('MulticlassCalibrationError', 'norm', options.norm ?? 'l1', norms);
    this.ignoreIndex = options.ignoreIndex ?? null;
    this.validateArgs = options.validateArgs ?? false;
    for (const name of ['count', 'confidence', 'accuracy']) this.addSumState(name, [this.nBins + 1], 'float64');
  }

  protected config(): Record<string, unknown> {
    return { numClasses: this.numClasses, nBins: this.nBins, norm: this.norm, ignoreIndex: this.ignoreIndex };
  }

  /** Adds a batch: preds [N, C] logits or probabilities; target [N] class indices. */
  update(preds: Tensor, target: Tensor): void {
    checkClassInputs('MulticlassCalibrationError', preds, target, { numClasses: this.numClasses, allowLabels: false });
    if (this.validateArgs) checkClassValues('MulticlassCalibrationError', preds, target, this);
    tidy(() => {
      const valid = validRows(target, this.numClasses, this.ignoreIndex);
      const probs = probabilitiesIfNeeded(preds.detach(), valid);
      const { values, indices } = probs.max(1);
      const confidence = values.float();
      const correct = logicalAnd(indices.eq(target), valid).double();
      const boundaries = linspace(0, 1, this.nBins + 1, { device: preds.device });
      // the clamp only moves rows that are left out (weight 0) and may hold any score
      const bin = runT('aten::bucketize', 'Tensor', [confidence, boundaries, false, true]).sub(1).clamp(0, this.nBins);
      const weight = valid.double();
      const binned = (src: Tensor): Tensor => scatterAdd(zeros([this.nBins + 1], { dtype: 'float64', device: preds.device }), 0, bin, src);
      this.accumulate('count', binned(weight));
      this.accumulate('confidence', binned(where(valid, confidence.double(), 0)));
      this.accumulate('accuracy', binned(correct));
    });
  }

  /** The calibration error, a float32 scalar. */
  compute(): Tensor {
    return tidy(() => {
      const count = this.sumState('count');
      const accuracy = safeDivide(this.sumState('accuracy'), count);
      const confidence = safeDivide(this.sumState('confidence'), count);
      const prop = safeDivide(count, count.sum());
      const gap = accuracy.sub(confidence).abs();
      if (this.norm === 'max') return gap.max().float();
      if (this.norm === 'l1') return gap.mul(prop).sum().float();
      return gap.square().mul(prop).sum().sqrt().float();
    });
  }
}
