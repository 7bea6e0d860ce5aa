/**
 * `MultilabelStatScores`: true and false positives and false negatives per
 * label at per-label thresholds (a label is predicted when its probability
 * >= its threshold), with exact matches and rows counted beside them; from
 * those, precision, recall and F1 (per label, macro, micro), the Hamming loss
 * and the exact-match ratio (subset accuracy), as scikit-learn's
 * `precision_score` / `recall_score` / `f1_score` with `zero_division=0`,
 * `hamming_loss` and `accuracy_score` give them on the same 0/1 predictions.
 * Sum states only: `update` is tensor ops, no host sync.
 *
 * @example
 * const stats = new MultilabelStatScores({ numLabels: 5, thresholds: 0.5 });
 * stats.update(torch.sigmoid(logits), multiHot);
 * stats.compute().f1.macro;
 */
import { ConfigError } from '../errors.js';
import { logicalAnd, tensor, tidy } from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkInteger } from './inputs.js';
import { Metric } from './metric.js';
import { checkMultilabelInputs, hardTargets } from './multilabel-inputs.js';

/** A score per label and its two averages: macro (mean over labels) and micro (from pooled counts). */
export interface LabelScores {
  perLabel: number[];
  macro: number;
  micro: number;
}

/** Everything the counts give. */
export interface MultilabelScores {
  precision: LabelScores;
  recall: LabelScores;
  f1: LabelScores;
  /** The fraction of (row, label) pairs predicted wrong. */
  hamming: number;
  /** The fraction of rows whose every label is right. */
  exactMatch: number;
}

const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

function scores(num: number[], den: number[]): LabelScores {
  const perLabel = num.map((n, i) => ratio(n, den[i]));
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return { perLabel, macro: sum(perLabel) / perLabel.length, micro: ratio(sum(num), sum(den)) };
}

/** Counts at thresholds, and the scores computed from them. */
export class MultilabelStatScores extends Metric<MultilabelScores> {
  readonly numLabels: number;
  #thresholds: number[];

  constructor(options: { numLabels: number; thresholds?: number | readonly number[] }) {
    super();
    this.numLabels = checkInteger('MultilabelStatScores', 'numLabels', options.numLabels, 1);
    this.#thresholds = [];
    this.setThresholds(options.thresholds ?? 0.5);
    for (const name of ['tp', 'fp', 'fn']) this.addSumState(name, [this.numLabels], 'int64');
    this.addSumState('exact', [], 'int64');
    this.addSumState('rows', [], 'int64');
  }

  /** The per-label thresholds in use. */
  get thresholds(): readonly number[] {
    return this.#thresholds;
  }

  /** One threshold for every label, or one per label, each in [0, 1]; counts already made keep the old ones. */
  setThresholds(thresholds: number | readonly number[]): void {
    const list = typeof thresholds === 'number' ? new Array<number>(this.numLabels).fill(thresholds) : [...thresholds];
    if (list.length !== this.numLabels || list.some((t) => !(t >= 0 && t <= 1))) {
      throw new ConfigError(
        `MultilabelStatScores: expected a threshold in [0, 1] or ${this.numLabels} of them, but got ${JSON.stringify(thresholds)}`,
      );
    }
    this.#thresholds = list;
  }

  /** Adds a batch: probabilities [N, C] and multi-hot (or mixed) targets [N, C]. */
  update(preds: Tensor, target: Tensor): void {
    checkMultilabelInputs('MultilabelStatScores', preds, target, this.numLabels);
    tidy(() => {
      const p = preds.detach().float();
      const predicted = p.ge(tensor(this.#thresholds, { dtype: 'float32', device: p.device }).unsqueeze(0));
      const actual = hardTargets(target.detach()).bool();
      const agree = predicted.eq(actual);
      this.accumulate('tp', logicalAnd(predicted, actual).long().sum({ dim: 0 }));
      this.accumulate('fp', logicalAnd(predicted, actual.logicalNot()).long().sum({ dim: 0 }));
      this.accumulate('fn', logicalAnd(predicted.logicalNot(), actual).long().sum({ dim: 0 }));
      this.accumulate('exact', agree.all({ dim: 1 }).long().sum());
      this.accumulate('rows', tensor([p.size(0)], { dtype: 'int64', device: p.device }).sum());
    });
  }

  compute(): MultilabelScores {
    const read = (name: string): number[] => (this.sumState(name).toArray() as (number | bigint)[]).map(Number);
    const [tp, fp, fn] = [read('tp'), read('fp'), read('fn')];
    const rows = Number(this.sumState('rows').item());
    const exact = Number(this.sumState('exact').item());
    const wrong = fp.reduce((a, b) => a + b, 0) + fn.reduce((a, b) => a + b, 0);
    return {
      precision: scores(
        tp,
        tp.map((t, i) => t + fp[i]),
      ),
      recall: scores(
        tp,
        tp.map((t, i) => t + fn[i]),
      ),
      f1: scores(
        tp.map((t) => 2 * t),
        tp.map((t, i) => 2 * t + fp[i] + fn[i]),
      ),
      hamming: ratio(wrong, rows * this.numLabels),
      exactMatch: ratio(exact, rows),
    };
  }

  protected config(): Record<string, unknown> {
    return { numLabels: this.numLabels, thresholds: this.#thresholds };
  }
}
