/**
 * `Analysis`: the analysis of `classifier-training analyze` at the end of
 * `fit`, on the validation split, at no extra pass: it keeps the log-softmax
 * of every validation batch's logits (the Trainer's forward, B x C numbers
 * per batch) and, as fit ends, analyses the last validation pass and writes
 * `<run>/analysis/` and the report's Analysis section. A run without a
 * validation split is skipped with a log line. A multi-label run gets its
 * own analysis (per-label AP / F1 table, top losses by BCE: see
 * run-multilabel-analysis.ts). In a data-parallel run rank 0
 * alone runs it, on its share of the validation samples.
 *
 * @example
 * new Trainer({ callbacks: [new RunReport(), new Analysis({ topK: 16 })] });
 */
import { z } from 'zod';
import { parseOptions } from '../data/transforms/options.js';
import { register } from '../registry.js';
import * as torch from '../torch/index.js';
import { Callback } from '../training/callback.js';
import type { BatchContext } from '../training/callback.js';
import { classNamesOf } from '../training/plots/class-names.js';
import type { TrainableModule } from '../training/trainable-module.js';
import type { TrainerView } from '../training/trainer-view.js';
import type { AnalysisResult } from './analyze-predictions.js';
import { fitEndTopLossCams } from './cam-top-losses.js';
import type { MultilabelAnalysis } from './multilabel-analysis.js';
import { multilabelSummary } from './multilabel-analysis.js';
import { MultilabelCollector } from './multilabel-predictions.js';
import { PredictionCollector } from './predictions.js';
import { runMultilabelAnalysis } from './run-multilabel-analysis.js';
import { analysisSummary, runAnalysis } from './run-analysis.js';

/** Options of `Analysis` (registry name `analysis`). @example analysisOptionsSchema.parse({ topK: 8 }); */
export const analysisOptionsSchema = z
  .object({
    /** How many top losses to list and show. */
    topK: z.number().int().nonnegative().default(16),
    /** Grad-CAM overlays of the top losses (analysis/cam/), or 'none'. */
    cam: z.enum(['gradcam', 'gradcam++', 'none']).default('gradcam'),
  })
  .strict();

/** Options as a user writes them. @example const o: AnalysisOptions = { topK: 32 }; */
export type AnalysisOptions = z.input<typeof analysisOptionsSchema>;

/**
 * The fit-end analysis callback.
 *
 * @example
 * const analysis = new Analysis();
 * await trainer.fit(module, dm); // <run>/analysis/, report.html's Analysis section
 */
export class Analysis extends Callback {
  /** Writes files: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  readonly options: z.output<typeof analysisOptionsSchema>;
  /** The predictions of the validation pass in progress, or of the last one. */
  #collector: PredictionCollector | MultilabelCollector | null = null;

  constructor(options: AnalysisOptions = {}) {
    super();
    this.options = parseOptions('Analysis', analysisOptionsSchema, options);
  }

  override onValidationEpochStart(trainer: TrainerView, module: TrainableModule): void {
    if (trainer.sanityChecking || trainer.stage !== 'fit') return;
    const labels = classNamesOf(module, trainer.dataModule).length;
    this.#collector = module.exportMetadata?.task === 'multilabel' ? new MultilabelCollector(labels) : new PredictionCollector(labels);
  }

  override onValidationBatchEnd(trainer: TrainerView, _module: TrainableModule, context: BatchContext): void {
    const collector = this.#collector;
    const { logits, batch } = context;
    if (trainer.sanityChecking || trainer.stage !== 'fit' || collector === null) return;
    if (collector instanceof MultilabelCollector) {
      if (logits === undefined || batch.indices === undefined) return;
      const host = torch.tidy(() => ({
        logits: logits.detach().float().to('cpu').data() as Float32Array,
        targets: batch.labels.float().to('cpu').data() as Float32Array,
      }));
      collector.add(host.logits, host.targets, batch.indices);
      return;
    }
    // Soft targets or a batch without sample indices cannot be analysed per sample.
    if (logits === undefined || batch.indices === undefined || batch.labels.ndim !== 1) return;
    const { logProbs, labels } = torch.tidy(() => ({
      logProbs: logits.detach().float().logSoftmax(1).to('cpu').data() as Float32Array,
      labels: batch.labels.to('cpu').data(),
    }));
    collector.add(logProbs, labels, batch.indices);
  }

  override async onFitEnd(trainer: TrainerView, module: TrainableModule): Promise<void> {
    if (!trainer.isGlobalZero) return;
    const dm = trainer.dataModule;
    const dataset = dm?.val ?? null;
    const collector = this.#collector;
    this.#collector = null;
    if (dataset === null || collector === null || collector.length === 0) {
      trainer.print('analysis: skipped, the run has no validation split (or no validation pass ran)');
      return;
    }
    const names = classNamesOf(module, dm);
    const { cam: method, topK } = this.options;
    const beforeReport = async (a: { topLosses: readonly { rank: number; sample: number }[] }, indices: Int32Array): Promise<void> => {
      if (method === 'none' || dm === null) return;
      const sourceOf = (sample: number) => dataset.source(indices[sample]);
      const skipped = await fitEndTopLossCams(trainer.runDir, module, a.topLosses, { dataModule: dm, sourceOf, method });
      if (skipped !== null) trainer.print(`analysis: no Grad-CAM overlays: ${skipped}`);
    };
    if (collector instanceof MultilabelCollector) {
      const predictions = collector.finish(dataset, names, module.exportMetadata?.thresholds ?? []);
      const before = (a: MultilabelAnalysis) => beforeReport(a, predictions.indices);
      const analysis = await runMultilabelAnalysis(trainer.runDir, predictions, { split: 'val', topK, dataset, beforeReport: before });
      trainer.print(multilabelSummary(analysis));
      return;
    }
    const predictions = collector.finish(dataset, names);
    const before = (a: AnalysisResult) => beforeReport(a, predictions.indices);
    const analysis = await runAnalysis(trainer.runDir, predictions, { split: 'val', topK, dataset, beforeReport: before });
    trainer.print(analysisSummary(analysis));
  }
}

register({
  group: 'callback',
  name: 'analysis',
  schema: analysisOptionsSchema,
  description: 'at the end of fit: per-class table, confused pairs and top losses of the last validation pass (analysis/, report.html)',
  build: (options: z.output<typeof analysisOptionsSchema>) => new Analysis(options),
});
