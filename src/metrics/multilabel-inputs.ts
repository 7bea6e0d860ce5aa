/**
 * What the multi-label metrics share: the input check (probabilities
 * [N, C] and targets [N, C], checked from metadata, no host sync), targets
 * made 0/1 (a MixUp/CutMix soft target counts as positive from 0.5), and
 * `MultilabelScoresMetric`, the base of the metrics that rank every score
 * (average precision, AUROC): it keeps the batches and hands `compute` one
 * float64 column per label.
 *
 * @example
 * checkMultilabelInputs('MultilabelAveragePrecision', probs, target, 10);
 */
import { ShapeError } from '../errors.js';
import { cat, isFloatingPoint, tidy } from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkInteger } from './inputs.js';
import { Metric } from './metric.js';

/**
 * Throws a ShapeError unless `preds` is floating [N, C] and `target` is [N, C].
 *
 * @example
 * checkMultilabelInputs('MultilabelStatScores', torch.sigmoid(logits), multiHot, 5);
 */
export function checkMultilabelInputs(component: string, preds: Tensor, target: Tensor, numLabels: number): void {
  if (preds.ndim !== 2 || preds.size(1) !== numLabels || !isFloatingPoint(preds.dtype)) {
    throw new ShapeError(
      `${component}: expected preds of probabilities [N, ${numLabels}], but got ${preds.dtype} [${preds.shape.join(', ')}]`,
    );
  }
  if (target.ndim !== 2 || target.size(0) !== preds.size(0) || target.size(1) !== numLabels) {
    throw new ShapeError(
      `${component}: expected target [${preds.size(0)}, ${numLabels}] (multi-hot), but got [${target.shape.join(', ')}]`,
    );
  }
}

/**
 * 0/1 targets as uint8: a soft (mixed) target counts as positive from 0.5.
 *
 * @example
 * hardTargets(torch.tensor([[0.7, 0.3]])); // [[1, 0]]
 */
export function hardTargets(target: Tensor): Tensor {
  return (isFloatingPoint(target.dtype) ? target.ge(0.5) : target.ne(0)).to({ dtype: 'uint8' });
}

/** One label's scores and 0/1 targets, read back once at compute. */
export interface LabelColumn {
  scores: Float64Array;
  target: Uint8Array;
}

/** The base of the metrics that rank all scores: list states, one host read at compute. */
export abstract class MultilabelScoresMetric<Output> extends Metric<Output> {
  readonly numLabels: number;

  constructor(component: string, numLabels: number) {
    super();
    this.numLabels = checkInteger(component, 'numLabels', numLabels, 1);
    this.addListState('scores');
    this.addListState('target');
  }

  /** Adds a batch: probabilities [N, C] and multi-hot (or mixed) targets [N, C]. */
  update(preds: Tensor, target: Tensor): void {
    checkMultilabelInputs(this.constructor.name, preds, target, this.numLabels);
    const [scores, hard] = tidy(() => [preds.detach().float().clone(), hardTargets(target.detach())]);
    this.append('scores', scores);
    this.append('target', hard);
  }

  /** Every label's scores (float64 of the float32 values) and 0/1 targets since the last reset; empty before any update. */
  labelColumns(): LabelColumn[] {
    const parts = this.listState('scores');
    const rows = parts.reduce((n, t) => n + t.size(0), 0);
    const c = this.numLabels;
    const out = Array.from({ length: c }, () => ({ scores: new Float64Array(rows), target: new Uint8Array(rows) }));
    if (rows === 0) return out;
    const [scores, target] = tidy(() => [
      cat([...parts], 0).data() as Float32Array,
      cat([...this.listState('target')], 0).data() as Uint8Array,
    ]);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < c; j++) {
        out[j].scores[i] = scores[i * c + j];
        out[j].target[i] = target[i * c + j];
      }
    }
    return out;
  }

  protected config(): Record<string, unknown> {
    return { numLabels: this.numLabels };
  }
}
