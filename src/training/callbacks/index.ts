/**
 * The Trainer's callbacks, one per file; each registers itself in the
 * component registry (group 'callback') with its options schema.
 *
 * @example
 * import { callbacks } from 'classifier-training';
 * new Trainer({ callbacks: [new callbacks.EarlyStopping({ monitor: 'val/loss' }), new callbacks.EMA()] });
 *
 * @module
 */
export { ConfusionMatrix } from './confusion-matrix.js';
export { PrecisionRecallCurves } from './precision-recall-curves.js';
export { DatasetStatistics } from './dataset-statistics.js';
export { EarlyStopping } from './early-stopping.js';
export { EMA } from './ema.js';
export { LearningRateMonitor } from './learning-rate-monitor.js';
export { ModelCheckpoint } from './model-checkpoint.js';
export { ModelSummary } from './model-summary.js';
export { NanGuard } from './nan-guard.js';
export { ProgressBar } from './progress-bar.js';
export { RunReport } from './run-report.js';
export { SampleVisualization } from './sample-visualization.js';
export { SamplerDistribution } from './sampler-distribution.js';
export { Timer } from './timer.js';
export { TrainingHistory } from './training-history.js';
export { ExportOnnx } from './export-onnx.js';
