/**
 * `runAnalysis`: from predictions to `<run>/analysis/` and the report's
 * Analysis section, the one sequence `classifier-training analyze` and the
 * fit-end `Analysis` callback share.
 *
 * @example
 * const analysis = await runAnalysis(runDir, predictions, { split: 'val', topK: 16, dataset: dm.val });
 */
import type { ImageDataset } from '../data/dataset.js';
import { analyzePredictions } from './analyze-predictions.js';
import type { AnalysisResult } from './analyze-predictions.js';
import type { Predictions } from './predictions.js';
import { writeAnalysis } from './write-analysis.js';
import { writeReportSection } from './report-section.js';

/** Options of `runAnalysis`. */
export interface RunAnalysisOptions {
  split: string;
  topK?: number;
  /** The data set the predictions index into (thumbnails of the top losses come from it). */
  dataset?: ImageDataset | null;
  /** More fields for analysis.json. */
  extra?: Record<string, unknown>;
}

/**
 * Analyses `predictions`, writes the files and the report section; returns the analysis.
 *
 * @example
 * (await runAnalysis('outputs/r1', predictions, { split: 'test' })).accuracy;
 */
export async function runAnalysis(runDir: string, predictions: Predictions, options: RunAnalysisOptions): Promise<AnalysisResult> {
  const analysis = analyzePredictions(predictions, { split: options.split, ...(options.topK === undefined ? {} : { topK: options.topK }) });
  const dataset = options.dataset ?? null;
  await writeAnalysis(runDir, analysis, {
    ...(dataset === null ? {} : { sourceOf: (sample: number) => dataset.source(predictions.indices[sample]) }),
    ...(options.extra === undefined ? {} : { extra: options.extra }),
  });
  await writeReportSection(runDir);
  return analysis;
}

/**
 * A few lines for the console: accuracy, the worst classes by F1 and the most-confused pairs.
 *
 * @example
 * console.log(analysisSummary(analysis));
 */
export function analysisSummary(analysis: AnalysisResult, lines = 3): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const worst = [...analysis.perClass].sort((a, b) => a.f1 - b.f1 || a.index - b.index).slice(0, lines);
  const out = [
    `${analysis.split}: ${analysis.samples} samples, accuracy ${pct(analysis.accuracy)}, mean loss ${analysis.meanLoss.toFixed(4)}`,
    `worst classes (F1): ${worst.map((r) => `${r.name} ${r.f1.toFixed(3)}`).join(', ')}`,
    `most confused: ${
      analysis.confusedPairs.length === 0
        ? 'none'
        : analysis.confusedPairs
            .slice(0, lines)
            .map((p) => `${p.trueClass} -> ${p.predicted} ${p.count} (${pct(p.share)})`)
            .join(', ')
    }`,
  ];
  return out.join('\n');
}
