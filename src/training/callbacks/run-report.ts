/**
 * `RunReport`: writes `report.html` in the run directory after every
 * validation and at the end of fit: one self-contained page (no script, no
 * network) with the hyperparameters and config, the latest metrics, the
 * epoch history, the curves, the confusion matrix and the sample grid.
 *
 * Plots come from `plots/` when the plot callbacks wrote them during this
 * validation; otherwise the report draws the curves and the confusion matrix
 * itself, so it is current whatever order the callbacks run in. The sample
 * grid is only drawn by `SampleVisualization`. The page is replaced
 * atomically, keeping the sections others wrote into it (the analysis);
 * only the global-zero process writes it.
 *
 * @example
 * new Trainer({ callbacks: [new ConfusionMatrix(), new RunReport({ config: composedConfig })] });
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { register } from '../../registry.js';
import type { TrainableModule } from '../trainable-module.js';
import { Callback } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';
import { classNamesOf } from '../plots/class-names.js';
import { renderConfusionMatrix } from '../plots/render-confusion-matrix.js';
import { defaultCurveCharts, renderCurves } from '../plots/render-curves.js';
import { reportHtml, reportSections } from '../plots/report-html.js';
import type { ReportImage } from '../plots/report-html.js';
import { writeFileReplacing } from '../plots/write-file-replacing.js';
import { parseOptions } from '../../data/transforms/options.js';

/** Options of `RunReport` (registry name `run_report`). @example runReportOptionsSchema.parse({ title: 'resnet18 on pets' }); */
export const runReportOptionsSchema = z
  .object({
    /** The run's composed config (shown beside the module's hparams). */
    config: z.record(z.string(), z.unknown()).optional(),
    /** The page title; default: the run directory's name. */
    title: z.string().optional(),
    /** The file name inside the run directory. */
    fileName: z.string().default('report.html'),
  })
  .strict();

/** Options as a user writes them. @example const o: RunReportOptions = { config: { model: 'resnet18' } }; */
export type RunReportOptions = z.input<typeof runReportOptionsSchema>;

/** File systems stamp files with a coarse clock (a few ms behind `Date.now()`). */
const CLOCK_SLACK_MS = 50;

async function readIfNewer(path: string, sinceMs: number): Promise<Buffer | null> {
  try {
    if ((await stat(path)).mtimeMs + CLOCK_SLACK_MS < sinceMs) return null;
    return await readFile(path);
  } catch {
    return null;
  }
}

/** A chart drawn at scale 2 (sharp on high-density screens) shows at half its pixel width. */
async function chart(title: string, png: Buffer): Promise<ReportImage> {
  const { width } = await sharp(png).metadata();
  return { title, png, displayWidth: width / 2 };
}

/**
 * The run-report callback.
 *
 * @example
 * const report = new RunReport();
 * await report.onFitEnd(trainer, module); // <runDir>/report.html
 */
export class RunReport extends Callback {
  /** Reports only: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  readonly options: z.output<typeof runReportOptionsSchema>;
  /** When the latest validation started: plots older than this are from an earlier epoch. */
  #validationStartMs = 0;

  constructor(options: RunReportOptions = {}) {
    super();
    this.options = parseOptions('RunReport', runReportOptionsSchema, options);
  }

  override onValidationStart(trainer: TrainerView): void {
    if (!trainer.sanityChecking) this.#validationStartMs = Date.now();
  }

  override async onValidationEnd(trainer: TrainerView, module: TrainableModule): Promise<void> {
    if (trainer.sanityChecking) return;
    const status =
      trainer.stage === 'fit' ? `running, epoch ${trainer.currentEpoch} validated` : `validated, epoch ${trainer.currentEpoch}`;
    await this.write(trainer, module, status);
  }

  override async onFitEnd(trainer: TrainerView, module: TrainableModule): Promise<void> {
    await this.write(trainer, module, trainer.shouldStop ? 'finished (stopped early)' : 'finished');
  }

  /**
   * Writes the page now (the hooks call this).
   *
   * @example
   * await report.write(trainer, module, 'interrupted');
   */
  async write(trainer: TrainerView, module: TrainableModule, status: string): Promise<void> {
    if (!trainer.isGlobalZero) return;
    const metrics = { ...trainer.history.at(-1)?.metrics, ...trainer.callbackMetrics };
    const config: Record<string, unknown> = { hparams: module.hparams };
    if (this.options.config !== undefined) config.config = this.options.config;
    const file = join(trainer.runDir, this.options.fileName);
    // Sections written into the page by others (the analysis) outlive this rewrite.
    const sections = await readFile(file, 'utf8').then(reportSections, () => []);
    const html = reportHtml({
      title: this.options.title ?? `run ${basename(trainer.runDir)}`,
      status,
      metrics,
      history: trainer.history,
      config,
      images: await this.#images(trainer, module),
      sections,
    });
    await writeFileReplacing(file, html);
  }

  async #images(trainer: TrainerView, module: TrainableModule): Promise<ReportImage[]> {
    const plots = join(trainer.runDir, 'plots');
    const since = this.#validationStartMs;
    const images: ReportImage[] = [];
    const curves = await Promise.all(defaultCurveCharts.map((c) => readIfNewer(join(plots, `curves_${c.name}.png`), since)));
    const anyData = trainer.history.length > 0;
    if (curves.some((png) => png !== null) || !anyData) {
      for (const [i, png] of curves.entries()) if (png !== null) images.push(await chart(defaultCurveCharts[i].title, png));
    } else {
      for (const { name, png } of await renderCurves(trainer.history)) {
        images.push(await chart(defaultCurveCharts.find((c) => c.name === name)?.title ?? name, png));
      }
    }
    const confusion = await this.#confusion(trainer, module, join(plots, 'confusion_matrix.png'));
    if (confusion !== null) images.push(await chart('confusion matrix (validation)', confusion));
    const pr = await readIfNewer(join(plots, 'pr_curves.png'), 0);
    if (pr !== null) images.push(await chart('precision-recall per label (validation; AP per label in the metrics table)', pr));
    const samples = await readIfNewer(join(plots, 'samples.png'), 0);
    if (samples !== null) images.push({ title: 'validation samples: true / predicted (confidence)', png: samples });
    return images;
  }

  async #confusion(trainer: TrainerView, module: TrainableModule, path: string): Promise<Buffer | null> {
    const written = await readIfNewer(path, this.#validationStartMs);
    if (written !== null) return written;
    const tensor = module.confusionMatrices?.val;
    if (tensor === undefined || tensor.isDisposed) return readIfNewer(path, 0);
    return renderConfusionMatrix(tensor.toArray() as number[][], classNamesOf(module, trainer.dataModule), {
      title: `validation confusion matrix, epoch ${trainer.currentEpoch}`,
    });
  }
}

register({
  group: 'callback',
  name: 'run_report',
  schema: runReportOptionsSchema,
  description: 'report.html in the run directory: config, metrics, history and plots on one self-contained page',
  build: (options: z.output<typeof runReportOptionsSchema>) => new RunReport(options),
});
