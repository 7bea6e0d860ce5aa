/**
 * `MultilabelAveragePrecision`: per-label average precision and mAP, with
 * scikit-learn 1.2's `average_precision_score` numbers (see
 * multilabel-ranking.ts for the definition). 'macro' is the plain mean over
 * every label, 'micro' the AP of all (score, target) pairs pooled, 'none'
 * one value per label.
 *
 * Labels with no positives: AP 0, counted in the macro mean, as sklearn does
 * (it warns). We follow it so the logged mAP is the number a user gets from
 * sklearn on the same predictions; `positives()` tells which labels had none,
 * and the module logs them, so a mAP pulled down by an absent label is not
 * mistaken for a bad model.
 *
 * @example
 * const ap = new MultilabelAveragePrecision({ numLabels: 10, average: 'macro' });
 * ap.update(torch.sigmoid(logits), multiHot);
 * ap.compute(); // 0.83
 */
import { checkChoice } from './inputs.js';
import type { LabelColumn } from './multilabel-inputs.js';
import { MultilabelScoresMetric } from './multilabel-inputs.js';
import { averagePrecision } from './multilabel-ranking.js';

/** How per-label values are combined. */
export type MultilabelRankingAverage = 'macro' | 'micro' | 'none';

/** Per-label AP (`average: 'none'` gives an array) or mAP. */
export class MultilabelAveragePrecision extends MultilabelScoresMetric<number | number[]> {
  readonly average: MultilabelRankingAverage;

  constructor(options: { numLabels: number; average?: MultilabelRankingAverage }) {
    super('MultilabelAveragePrecision', options.numLabels);
    this.average = checkChoice('MultilabelAveragePrecision', 'average', options.average ?? 'macro', ['macro', 'micro', 'none'] as const);
  }

  /** The AP of each label, mAP macro and micro, from one read of the states. */
  computeAll(): { perLabel: number[]; macro: number; micro: number } {
    const columns = this.labelColumns();
    const perLabel = columns.map((c) => averagePrecision(c.scores, c.target));
    return { perLabel, macro: perLabel.reduce((a, b) => a + b, 0) / perLabel.length, micro: pooledAp(columns) };
  }

  compute(): number | number[] {
    const all = this.computeAll();
    return this.average === 'none' ? all.perLabel : this.average === 'macro' ? all.macro : all.micro;
  }

  /** Rows with a positive target, per label (0 for an absent label). */
  positives(): number[] {
    return this.labelColumns().map((c) => c.target.reduce((a, b) => a + b, 0));
  }

  protected override config(): Record<string, unknown> {
    return { ...super.config(), average: this.average };
  }
}

function pooledAp(columns: readonly LabelColumn[]): number {
  const rows = columns[0]?.scores.length ?? 0;
  const scores = new Float64Array(rows * columns.length);
  const target = new Uint8Array(rows * columns.length);
  columns.forEach((c, j) => {
    scores.set(c.scores, j * rows);
    target.set(c.target, j * rows);
  });
  return averagePrecision(scores, target);
}
