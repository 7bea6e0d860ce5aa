/**
 * `ConfusionMatrix`: after each validation (and test) run, draws the
 * module's confusion matrix to `plots/confusion_matrix.png`, writes the
 * counts to `plots/confusion_matrix.csv` (rows: true class, columns:
 * predicted class) and hands the PNG to every logger that takes images.
 * Every epoch's counts are also appended to `plots/confusion_matrices.jsonl`
 * (`{ epoch, split, classNames, matrix }` a line), which the dashboard's
 * epoch slider reads: the CSV holds the last epoch only.
 *
 * It works in `onValidationEnd`, which runs after every `onValidationEpochEnd`
 * (the module's included, where the matrix is computed), whatever order the
 * Trainer calls callbacks and module in. The sanity check is skipped.
 *
 * @example
 * new Trainer({ callbacks: [new ConfusionMatrix({ normalize: 'true', keepEpochs: true })] });
 */
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { register } from '../../registry.js';
import type { TrainableModule } from '../trainable-module.js';
import { Callback } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';
import { formatCsvRow } from '../loggers/csv.js';
import { classNamesOf } from '../plots/class-names.js';
import { renderConfusionMatrix } from '../plots/render-confusion-matrix.js';
import { writeFileReplacing } from '../plots/write-file-replacing.js';
import { parseOptions } from '../../data/transforms/options.js';

/** Options of `ConfusionMatrix` (registry name `confusion_matrix`). @example confusionMatrixOptionsSchema.parse({ normalize: 'true' }); */
export const confusionMatrixOptionsSchema = z
  .object({
    /** Cell values of the PNG: counts ('none') or fractions of each true class, predicted class, or all. The CSV has counts. */
    normalize: z.enum(['none', 'true', 'pred', 'all']).default('none'),
    /** Also keep `plots/confusion_matrix_epoch<NNN>.png` for every epoch. */
    keepEpochs: z.boolean().default(false),
  })
  .strict();

/** Options as a user writes them. @example const o: ConfusionMatrixOptions = { normalize: 'pred' }; */
export type ConfusionMatrixOptions = z.input<typeof confusionMatrixOptionsSchema>;

/**
 * The confusion-matrix plot callback.
 *
 * @example
 * const cm = new ConfusionMatrix();
 * await cm.onValidationEnd(trainer, module); // plots/confusion_matrix.png, .csv
 */
export class ConfusionMatrix extends Callback {
  /** Reports only: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  readonly options: z.output<typeof confusionMatrixOptionsSchema>;
  #saidMultiLabel = false;

  constructor(options: ConfusionMatrixOptions = {}) {
    super();
    this.options = parseOptions('ConfusionMatrix', confusionMatrixOptionsSchema, options);
  }

  override async onValidationEnd(trainer: TrainerView, module: TrainableModule): Promise<void> {
    if (trainer.sanityChecking) return;
    await this.#write(trainer, module, 'val');
  }

  override async onTestEnd(trainer: TrainerView, module: TrainableModule): Promise<void> {
    await this.#write(trainer, module, 'test');
  }

  async #write(trainer: TrainerView, module: TrainableModule, split: 'val' | 'test'): Promise<void> {
    const tensor = module.confusionMatrices?.[split];
    if (!trainer.isGlobalZero || tensor === undefined || tensor.isDisposed) {
      // A multi-label module has no confusion matrix (one class per image): said once, not per epoch.
      if (trainer.isGlobalZero && module.exportMetadata?.task === 'multilabel' && !this.#saidMultiLabel) {
        trainer.print('confusion_matrix: a multi-label run: no confusion matrix (see plots/pr_curves.png)');
        this.#saidMultiLabel = true;
      }
      return;
    }
    const matrix = tensor.toArray() as number[][];
    const names = classNamesOf(module, trainer.dataModule);
    const png = await renderConfusionMatrix(matrix, names, {
      normalize: this.options.normalize,
      title: `${split === 'val' ? 'validation' : 'test'} confusion matrix, epoch ${trainer.currentEpoch}`,
    });
    const base = join(trainer.runDir, 'plots', split === 'val' ? 'confusion_matrix' : 'confusion_matrix_test');
    await writeFileReplacing(`${base}.png`, png);
    const rows = [['true\\pred', ...names], ...matrix.map((row, i) => [names[i], ...row.map(String)])];
    await writeFileReplacing(`${base}.csv`, rows.map(formatCsvRow).join(''));
    const entry = { epoch: trainer.currentEpoch, split, classNames: names, matrix };
    await appendFile(join(trainer.runDir, 'plots', 'confusion_matrices.jsonl'), `${JSON.stringify(entry)}\n`);
    if (this.options.keepEpochs && split === 'val') {
      await writeFileReplacing(`${base}_epoch${String(trainer.currentEpoch).padStart(3, '0')}.png`, png);
    }
    const at = { step: trainer.globalStep, epoch: trainer.currentEpoch };
    for (const logger of trainer.loggers) await logger.logImage?.(`${split}/confusion_matrix`, png, at);
  }
}

register({
  group: 'callback',
  name: 'confusion_matrix',
  schema: confusionMatrixOptionsSchema,
  description: 'plots/confusion_matrix.png and .csv after each validation; the image goes to loggers that take images',
  build: (options: z.output<typeof confusionMatrixOptionsSchema>) => new ConfusionMatrix(options),
});
