/**
 * Understanding a trained model's mistakes: predictions of a split, the
 * per-class table, the most-confused pairs, the normalised confusion
 * matrices and the top losses, written to `<run>/analysis/` and shown in the
 * run report, with Grad-CAM maps of what the model looked at. Above
 * training/ and export/, below cli/.
 *
 * @example
 * import { analysis } from 'classifier-training';
 * const predictions = await analysis.collectPredictions(module, dm.valLoader());
 * analysis.analyzePredictions(predictions, { split: 'val' }).confusedPairs;
 *
 * @module
 */
export { Analysis, analysisOptionsSchema } from './analysis-callback.js';
export type { AnalysisOptions } from './analysis-callback.js';
export { LABEL_ISSUE_THUMBNAILS, analysisFiles, galleryFile } from './analysis-files.js';
export { calibrate, fitTemperature, reliabilityBins, scaledNll, MAX_TEMPERATURE, MIN_TEMPERATURE } from './calibration.js';
export type { CalibrationResult, ReliabilityBin, TemperatureFit } from './calibration.js';
export { Calibration, calibrationSchema, collectLogits } from './calibration-callback.js';
export type { CalibrationOptions } from './calibration-callback.js';
export { calibrationRecord, writeCalibrationFiles } from './calibration-files.js';
export type { CalibrationRecord } from './calibration-files.js';
export { analyzePredictions } from './analyze-predictions.js';
export type { AnalysisResult, AnalyzeOptions } from './analyze-predictions.js';
export { collectPredictions } from './collect-predictions.js';
export type { CollectOptions } from './collect-predictions.js';
export { argmaxRows, confusionCounts } from './confusion-counts.js';
export { mostConfused } from './confused-pairs.js';
export type { ConfusedPair } from './confused-pairs.js';
export { toCsv } from './csv.js';
export type { CsvCell } from './csv.js';
export { MULTILABEL_SKIPPED, analyzeMultilabel, labelTable, multilabelSummary, multilabelTopLosses } from './multilabel-analysis.js';
export type { LabelRow, MultilabelAnalysis, MultilabelTopLoss } from './multilabel-analysis.js';
export { MultilabelCollector, collectMultilabelPredictions } from './multilabel-predictions.js';
export type { MultilabelPredictions } from './multilabel-predictions.js';
export { runMultilabelAnalysis } from './run-multilabel-analysis.js';
export type { RunMultilabelAnalysisOptions } from './run-multilabel-analysis.js';
export { findLabelIssues } from './label-issues.js';
export type { FindLabelIssuesOptions, LabelIssue, LabelIssueRanking, LabelIssuesResult } from './label-issues.js';
export { perClassTable } from './per-class-table.js';
export type { Confusion, PerClassRow } from './per-class-table.js';
export { ANALYSIS_SECTION_ID, analysisSectionHtml, writeReportSection } from './report-section.js';
export { PredictionCollector } from './predictions.js';
export type { Predictions } from './predictions.js';
export { analysisSummary, runAnalysis } from './run-analysis.js';
export type { RunAnalysisOptions } from './run-analysis.js';
export { topLosses } from './top-losses.js';
export type { TopLoss } from './top-losses.js';
export { thumbnail, writeAnalysis } from './write-analysis.js';
export type { WriteAnalysisOptions } from './write-analysis.js';
export { CAM_METHODS, gradCam } from './grad-cam.js';
export type { CamMethod, GradCamOptions, GradCamResult } from './grad-cam.js';
export { resolveCamLayer } from './cam-layer.js';
export type { CamTarget } from './cam-layer.js';
export { camOverlay, writeCamOverlay } from './cam-overlay.js';
export type { CamOverlayOptions } from './cam-overlay.js';
export { turbo } from './cam-colormap.js';
export { writeTopLossCams } from './cam-top-losses.js';
export type { TopLossCamsOptions } from './cam-top-losses.js';
