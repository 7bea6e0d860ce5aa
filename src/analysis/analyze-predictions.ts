/**
 * `analyzePredictions`: everything the analysis shows that follows from the
 * predictions alone: accuracy, the confusion matrix and its normalisations,
 * the per-class table, the most-confused pairs and the top losses.
 *
 * @example
 * const analysis = analyzePredictions(await collectPredictions(module, dm.valLoader()), { split: 'val', topK: 16 });
 * analysis.accuracy; analysis.perClass[0].f1; analysis.confusedPairs[0];
 */
import { normalizeConfusion } from '../training/plots/render-confusion-matrix.js';
import { confusionCounts } from './confusion-counts.js';
import { mostConfused } from './confused-pairs.js';
import type { ConfusedPair } from './confused-pairs.js';
import { perClassTable } from './per-class-table.js';
import type { PerClassRow } from './per-class-table.js';
import type { Predictions } from './predictions.js';
import { topLosses } from './top-losses.js';
import type { TopLoss } from './top-losses.js';

/** The analysis of one split. */
export interface AnalysisResult {
  split: string;
  samples: number;
  classNames: string[];
  accuracy: number;
  /** Mean per-sample cross-entropy. */
  meanLoss: number;
  /** Counts (rows: true class), normalised by row (recall on the diagonal) and by column (precision). */
  confusion: { counts: number[][]; byRow: number[][]; byColumn: number[][] };
  perClass: PerClassRow[];
  confusedPairs: ConfusedPair[];
  topLosses: TopLoss[];
}

/** Options of `analyzePredictions`. */
export interface AnalyzeOptions {
  /** The split's name, recorded in the summary. */
  split: string;
  /** How many top losses (default 16). */
  topK?: number;
}

/**
 * The analysis of `predictions`.
 *
 * @example
 * analyzePredictions(predictions, { split: 'test', topK: 8 }).topLosses.length; // 8 (or fewer samples)
 */
export function analyzePredictions(predictions: Predictions, options: AnalyzeOptions): AnalysisResult {
  const { probs, targets, losses, classNames } = predictions;
  const counts = confusionCounts(probs, targets, classNames.length);
  const correct = counts.reduce((a, row, c) => a + row[c], 0);
  let lossSum = 0;
  let lossCount = 0;
  for (const l of losses)
    if (!Number.isNaN(l)) {
      lossSum += l;
      lossCount++;
    }
  return {
    split: options.split,
    samples: targets.length,
    classNames: [...classNames],
    accuracy: targets.length === 0 ? 0 : correct / targets.length,
    meanLoss: lossCount === 0 ? Number.NaN : lossSum / lossCount,
    confusion: { counts, byRow: normalizeConfusion(counts, 'true'), byColumn: normalizeConfusion(counts, 'pred') },
    perClass: perClassTable(counts, classNames),
    confusedPairs: mostConfused(counts, classNames),
    topLosses: topLosses(predictions, options.topK ?? 16),
  };
}
