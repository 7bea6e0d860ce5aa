/**
 * The analysis of a multi-label model's predictions: the per-label table
 * (AP, and precision, recall and F1 at the module's thresholds, from the
 * project's multi-label metrics, so the table holds the numbers the run
 * logged), mAP, and the top losses by per-sample BCE with their true and
 * predicted label sets. What has no multi-label meaning here (confused
 * pairs, the confusion matrix, confident learning's label issues, temperature
 * scaling) is listed in `skipped` with the reason.
 *
 * @example
 * const analysis = analyzeMultilabel(predictions, { split: 'val', topK: 16 });
 * analysis.perLabel[0].ap; analysis.topLosses[0].trueLabels;
 */
import { MultilabelAveragePrecision, MultilabelStatScores } from '../metrics/index.js';
import * as torch from '../torch/index.js';
import type { MultilabelPredictions } from './multilabel-predictions.js';

/** One label's row. */
export interface LabelRow {
  index: number;
  name: string;
  ap: number;
  precision: number;
  recall: number;
  f1: number;
  /** Samples with the label. */
  support: number;
  threshold: number;
}

/** One sample among the top losses. */
export interface MultilabelTopLoss {
  rank: number;
  sample: number;
  path: string;
  trueLabels: string[];
  /** The labels at or over their thresholds. */
  predicted: string[];
  loss: number;
}

/** The analysis of one split of a multi-label run. */
export interface MultilabelAnalysis {
  task: 'multilabel';
  split: string;
  samples: number;
  classNames: string[];
  mAP: number;
  /** Mean per-sample BCE. */
  meanLoss: number;
  perLabel: LabelRow[];
  topLosses: MultilabelTopLoss[];
  /** What the single-label analysis shows and this one does not, with the reason. */
  skipped: string[];
}

/** The parts of the single-label analysis left out for a multi-label run, and why. */
export const MULTILABEL_SKIPPED: readonly string[] = [
  'confused pairs and confusion matrices: a sample has several labels, so no one label is mistaken for another',
  'likely label errors: confident learning assumes one given label per sample',
  'calibration: temperature scaling rescales a softmax; the labels here are independent sigmoids with tuned thresholds',
];

/**
 * The per-label table from the multi-label metrics at the predictions' thresholds.
 *
 * @example
 * labelTable(predictions)[0]; // { index: 0, name: 'cat', ap: 0.9, precision: 0.8, recall: 0.75, f1: 0.77, support: 12, threshold: 0.5 }
 */
export function labelTable(predictions: MultilabelPredictions): LabelRow[] {
  const { probs, targets, classNames, thresholds } = predictions;
  const c = classNames.length;
  const n = probs.length / c;
  const stats = new MultilabelStatScores({ numLabels: c, thresholds });
  const ap = new MultilabelAveragePrecision({ numLabels: c, average: 'none' });
  try {
    if (n > 0)
      torch.tidy(() => {
        const p = torch.tensor(probs, { shape: [n, c] });
        const t = torch.tensor(Float32Array.from(targets), { shape: [n, c] });
        stats.update(p, t);
        ap.update(p, t);
      });
    const scores = stats.compute();
    const perLabelAp = ap.computeAll().perLabel;
    const positives = ap.positives();
    return classNames.map((name, j) => ({
      index: j,
      name,
      ap: perLabelAp[j],
      precision: scores.precision.perLabel[j],
      recall: scores.recall.perLabel[j],
      f1: scores.f1.perLabel[j],
      support: positives[j],
      threshold: thresholds[j],
    }));
  } finally {
    stats.dispose();
    ap.dispose();
  }
}

/**
 * The `k` samples with the highest BCE, highest first (ties: the earlier sample first).
 *
 * @example
 * multilabelTopLosses(predictions, 3).map((t) => t.path);
 */
export function multilabelTopLosses(predictions: MultilabelPredictions, k: number): MultilabelTopLoss[] {
  const { probs, targets, losses, paths, classNames, thresholds } = predictions;
  const c = classNames.length;
  const order = Array.from(losses.keys())
    .sort((a, b) => losses[b] - losses[a] || a - b)
    .slice(0, Math.max(0, k));
  const namesWhere = (i: number, keep: (j: number) => boolean): string[] => classNames.filter((_, j) => keep(i * c + j));
  return order.map((i, rank) => ({
    rank,
    sample: i,
    path: paths[i],
    trueLabels: namesWhere(i, (at) => targets[at] === 1),
    predicted: namesWhere(i, (at) => probs[at] >= thresholds[at % c]),
    loss: losses[i],
  }));
}

/**
 * The analysis of `predictions`.
 *
 * @example
 * analyzeMultilabel(predictions, { split: 'test', topK: 8 }).mAP;
 */
export function analyzeMultilabel(predictions: MultilabelPredictions, options: { split: string; topK?: number }): MultilabelAnalysis {
  const perLabel = labelTable(predictions);
  const { losses } = predictions;
  return {
    task: 'multilabel',
    split: options.split,
    samples: losses.length,
    classNames: [...predictions.classNames],
    mAP: perLabel.length === 0 ? 0 : perLabel.reduce((a, r) => a + r.ap, 0) / perLabel.length,
    meanLoss: losses.length === 0 ? Number.NaN : losses.reduce((a, b) => a + b, 0) / losses.length,
    perLabel,
    topLosses: multilabelTopLosses(predictions, options.topK ?? 16),
    skipped: [...MULTILABEL_SKIPPED],
  };
}

/**
 * Two lines for the console: mAP and mean BCE, the worst labels by AP.
 *
 * @example
 * console.log(multilabelSummary(analysis));
 */
export function multilabelSummary(analysis: MultilabelAnalysis, lines = 3): string {
  const worst = [...analysis.perLabel].sort((a, b) => a.ap - b.ap || a.index - b.index).slice(0, lines);
  return [
    `${analysis.split}: ${analysis.samples} samples, mAP ${analysis.mAP.toFixed(4)}, mean BCE ${analysis.meanLoss.toFixed(4)}`,
    `worst labels (AP): ${worst.map((r) => `${r.name} ${r.ap.toFixed(3)}`).join(', ')}`,
  ].join('\n');
}
