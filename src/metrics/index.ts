/**
 * torchmetrics-style stateful metrics: `update(preds, target)` per batch (tensor
 * ops only, no host sync), `compute()` for the value, `reset()`, `merge(other)`
 * and `dispose()`. They give torchmetrics' numbers on the same predictions.
 *
 * @example
 * import { metrics } from 'classifier-training';
 * const acc = new metrics.MulticlassAccuracy({ numClasses: 10, average: 'micro' });
 * acc.update(logits, labels);
 * acc.compute().item();
 *
 * @module
 */
export { Metric } from './metric.js';
export type { MetricReducer } from './metric.js';
export { MulticlassStatScores, averageScores, batchStatCounts, classAverages, safeDivide } from './stat-scores.js';
export type { ClassAverage, StatCounts, StatScoresOptions } from './stat-scores.js';
export { MulticlassAccuracy } from './accuracy.js';
export { MulticlassPrecision } from './precision.js';
export { MulticlassRecall } from './recall.js';
export { MulticlassF1Score } from './f1-score.js';
export { MulticlassConfusionMatrix } from './confusion-matrix.js';
export type { ConfusionMatrixOptions, ConfusionNormalize } from './confusion-matrix.js';
export { MulticlassAUROC, onesVsRestAuroc } from './auroc.js';
export type { AurocAverage, AurocOptions } from './auroc.js';
export { MulticlassCalibrationError } from './calibration-error.js';
export type { CalibrationErrorOptions, CalibrationNorm } from './calibration-error.js';
export { MeanMetric } from './mean-metric.js';
export type { ClassInputOptions } from './inputs.js';
export { MultilabelAveragePrecision } from './multilabel-average-precision.js';
export type { MultilabelRankingAverage } from './multilabel-average-precision.js';
export { MultilabelAUROC } from './multilabel-auroc.js';
export { MultilabelStatScores } from './multilabel-stat-scores.js';
export type { LabelScores, MultilabelScores } from './multilabel-stat-scores.js';
export { averagePrecision, bestF1Threshold, precisionRecallCurve, rocAuc } from './multilabel-ranking.js';
export type { PrecisionRecallCurve } from './multilabel-ranking.js';
