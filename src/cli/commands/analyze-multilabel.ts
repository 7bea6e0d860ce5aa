/**
 * `analyze` for a multi-label run: one pass over the split collects sigmoid
 * probabilities and per-sample BCE, then `<run>/analysis/` gets the
 * per-label table and the top losses (with thumbnails and Grad-CAM overlays
 * of each image's highest-scoring label), and `report.html` its Analysis
 * section. What is single-label only (confused pairs, label issues,
 * calibration) is named on stdout with the reason; `--tta` and
 * `--cross-val` are skipped with a line each.
 *
 * @example
 * await analyzeMultilabelRun(runDir, module, { split: 'val', topK: 16, dataset, loader: dm.valLoader(), file, labelsMapping });
 */
import path from 'node:path';
import type { DataLoader } from '../../data/data-loader.js';
import type { ImageDataset } from '../../data/dataset.js';
import type { MultiLabelModule } from '../../models/multilabel-module.js';

/** What `analyzeMultilabelRun` needs of the command's run and flags. */
export interface MultilabelAnalyzeOptions {
  split: 'val' | 'test';
  topK: number;
  dataset: ImageDataset;
  loader: DataLoader;
  /** The checkpoint file (analysis.json names it; Grad-CAM errors name it). */
  file: string;
  /** The checkpoint's labels mapping: the preprocessing Grad-CAM computes its maps on. */
  labelsMapping: unknown;
  /** --cam as given (undefined: Grad-CAM where the model declares its layer). */
  cam?: string;
  tta?: string;
  crossVal?: number;
}

/**
 * Analyses a multi-label module on its split and writes the files; prints the summary.
 *
 * @example
 * await analyzeMultilabelRun('outputs/r1', module, options);
 */
export async function analyzeMultilabelRun(runDir: string, module: MultiLabelModule, o: MultilabelAnalyzeOptions): Promise<void> {
  const { collectMultilabelPredictions } = await import('../../analysis/multilabel-predictions.js');
  const { runMultilabelAnalysis } = await import('../../analysis/run-multilabel-analysis.js');
  const { multilabelSummary } = await import('../../analysis/multilabel-analysis.js');
  const { writeTopLossCams } = await import('../../analysis/cam-top-losses.js');
  const { declaresCamLayer } = await import('../../analysis/cam-layer.js');
  const classNames = module.classNames ?? o.dataset.classes;
  const predictions = await collectMultilabelPredictions(module, o.loader, { classNames, thresholds: module.labelThresholds });
  const sourceOf = (sample: number) => o.dataset.source(predictions.indices[sample]);
  const method = (o.cam ?? 'gradcam') as 'gradcam' | 'gradcam++' | 'none';
  const beforeReport = async (a: { topLosses: readonly { rank: number; sample: number }[] }): Promise<void> => {
    if (method === 'none') return;
    if (o.cam === undefined && !declaresCamLayer(module)) return console.error('Grad-CAM: skipped (the model declares no camLayer)');
    await writeTopLossCams(runDir, module, a.topLosses, { sourceOf, labelsMapping: o.labelsMapping, file: o.file, method });
  };
  const analysis = await runMultilabelAnalysis(runDir, predictions, {
    split: o.split,
    topK: o.topK,
    dataset: o.dataset,
    extra: { checkpoint: o.file },
    beforeReport,
  });
  const notes = [
    ...analysis.skipped.map((s) => `skipped ${s}`),
    ...(o.tta === undefined ? [] : ['skipped --tta: test-time augmentation is analysed for single-label runs only']),
    ...(o.crossVal === undefined ? [] : ['skipped --cross-val: it finds label errors, which need one given label per sample']),
  ];
  console.log([multilabelSummary(analysis), ...notes].join('\n'));
  console.error(`wrote ${path.join(runDir, 'analysis')} and the Analysis section of ${path.join(runDir, 'report.html')}`);
}
