/**
 * `runMultilabelAnalysis`: a multi-label run's predictions to
 * `<run>/analysis/` (the file names of the single-label analysis where the
 * meaning carries over: `per_class.csv` / `.json` one row per label,
 * `top_losses.csv` and its thumbnails, `analysis.json`) and the report's
 * Analysis section, the one sequence `analyze` and the fit-end `Analysis`
 * callback share for the multi-label task.
 *
 * @example
 * const analysis = await runMultilabelAnalysis(runDir, predictions, { split: 'val', topK: 16, dataset: dm.val });
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ImageDataset } from '../data/dataset.js';
import { writeFileReplacing } from '../training/plots/write-file-replacing.js';
import { analysisFiles } from './analysis-files.js';
import { toCsv } from './csv.js';
import { analyzeMultilabel } from './multilabel-analysis.js';
import type { MultilabelAnalysis } from './multilabel-analysis.js';
import type { MultilabelPredictions } from './multilabel-predictions.js';
import { writeReportSection } from './report-section.js';
import { removeStaleGalleries, writeThumbnails } from './write-analysis.js';

/** The files of a single-label analysis that a multi-label one has no counterpart for (an older analysis's, removed). */
const SINGLE_LABEL_ONLY = [analysisFiles.confusedPairsCsv, analysisFiles.confusionJson];

/** Options of `runMultilabelAnalysis`. */
export interface RunMultilabelAnalysisOptions {
  split: string;
  topK?: number;
  /** The data set the predictions index into (thumbnails of the top losses come from it). */
  dataset?: ImageDataset | null;
  /** More fields for analysis.json. */
  extra?: Record<string, unknown>;
  /** Writes more files into analysis/ (the top losses' Grad-CAM overlays) before the report section reads the folder. */
  beforeReport?: (analysis: MultilabelAnalysis) => Promise<void>;
}

/**
 * Analyses `predictions`, writes the files and the report section; returns the analysis.
 *
 * @example
 * (await runMultilabelAnalysis('outputs/r1', predictions, { split: 'test' })).mAP;
 */
export async function runMultilabelAnalysis(
  runDir: string,
  predictions: MultilabelPredictions,
  options: RunMultilabelAnalysisOptions,
): Promise<MultilabelAnalysis> {
  const analysis = analyzeMultilabel(predictions, { split: options.split, ...(options.topK === undefined ? {} : { topK: options.topK }) });
  const dir = path.join(runDir, analysisFiles.dir);
  const write = (name: string, data: string) => writeFileReplacing(path.join(dir, name), data);
  await removeStaleGalleries(dir);
  for (const stale of SINGLE_LABEL_ONLY) await rm(path.join(dir, stale), { force: true });
  const rows = analysis.perLabel;
  await write(
    analysisFiles.perClassCsv,
    toCsv(
      ['label', 'ap', 'precision', 'recall', 'f1', 'support', 'threshold'],
      rows.map((r) => [r.name, r.ap, r.precision, r.recall, r.f1, r.support, r.threshold]),
    ),
  );
  await write(analysisFiles.perClassJson, `${JSON.stringify(rows, null, 2)}\n`);
  await write(
    analysisFiles.topLossesCsv,
    toCsv(
      ['rank', 'path', 'true', 'predicted', 'loss'],
      analysis.topLosses.map((t) => [t.rank, t.path, t.trueLabels.join('|'), t.predicted.join('|'), t.loss]),
    ),
  );
  const dataset = options.dataset ?? null;
  const sourceOf = dataset === null ? undefined : (sample: number) => dataset.source(predictions.indices[sample]);
  const images = await writeThumbnails(dir, analysis.topLosses, sourceOf);
  const summary = {
    ...options.extra,
    task: 'multilabel',
    split: analysis.split,
    samples: analysis.samples,
    classes: analysis.classNames.length,
    mAP: analysis.mAP,
    meanLoss: Number.isNaN(analysis.meanLoss) ? null : analysis.meanLoss,
    thresholds: predictions.thresholds,
    topLosses: analysis.topLosses.map((t, i) => ({ ...t, image: images[i] })),
    skipped: analysis.skipped,
    writtenAt: new Date().toISOString(),
  };
  await write(analysisFiles.summary, `${JSON.stringify(summary, null, 2)}\n`);
  await options.beforeReport?.(analysis);
  await writeReportSection(runDir);
  return analysis;
}
