/**
 * `PrecisionRecallCurves`: after each validation (and test) of a multi-label
 * run, draws every label's precision-recall curve to `plots/pr_curves.png`
 * (`pr_curves_test.png`) and writes the per-label AP table to
 * `plots/ap_per_class.csv` (label, AP, positives), from the curves the module
 * keeps (`labelCurves`, MultiLabelModule). A single-label module has none:
 * the callback says so once and does nothing, so the multi-label task's
 * config can add it to any callback list.
 *
 * @example
 * new Trainer({ callbacks: [new PrecisionRecallCurves()] });
 */
import { join } from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../../data/transforms/options.js';
import { register } from '../../registry.js';
import { Callback } from '../callback.js';
import { formatCsvRow } from '../loggers/csv.js';
import { classNamesOf } from '../plots/class-names.js';
import { renderPrecisionRecallCurves } from '../plots/render-pr-curves.js';
import { writeFileReplacing } from '../plots/write-file-replacing.js';
import type { TrainableModule } from '../trainable-module.js';
import type { TrainerView } from '../trainer-view.js';

/** Options of `PrecisionRecallCurves` (registry name `precision_recall`): the points drawn per label at most. */
export const precisionRecallOptionsSchema = z.object({ maxPoints: z.number().int().min(2).default(200) }).strict();

/** The precision-recall plot callback. */
export class PrecisionRecallCurves extends Callback {
  override get rankZeroOnly(): boolean {
    return true;
  }

  readonly options: z.output<typeof precisionRecallOptionsSchema>;
  #saidNone = false;

  constructor(options: z.input<typeof precisionRecallOptionsSchema> = {}) {
    super();
    this.options = parseOptions('PrecisionRecallCurves', precisionRecallOptionsSchema, options);
  }

  override async onValidationEnd(trainer: TrainerView, module: TrainableModule): Promise<void> {
    if (!trainer.sanityChecking) await this.#write(trainer, module, 'val');
  }

  override async onTestEnd(trainer: TrainerView, module: TrainableModule): Promise<void> {
    await this.#write(trainer, module, 'test');
  }

  async #write(trainer: TrainerView, module: TrainableModule, split: 'val' | 'test'): Promise<void> {
    if (!trainer.isGlobalZero) return;
    const kept = module.labelCurves?.[split];
    if (kept === undefined) {
      if (module.labelCurves === undefined && !this.#saidNone)
        trainer.print('precision_recall: the module keeps no label curves (a single-label run): no plot');
      this.#saidNone = true;
      return;
    }
    const names = classNamesOf(module, trainer.dataModule);
    const suffix = split === 'val' ? '' : '_test';
    const png = await renderPrecisionRecallCurves(kept.curves, kept.ap, names, {
      title: `${split === 'val' ? 'validation' : 'test'} precision-recall, epoch ${trainer.currentEpoch}`,
      maxPoints: this.options.maxPoints,
    });
    await writeFileReplacing(join(trainer.runDir, 'plots', `pr_curves${suffix}.png`), png);
    const rows = [
      ['label', 'ap', 'positives'],
      ...kept.curves.map((c, i) => [names[i] ?? String(i), String(kept.ap[i]), String(c.positives)]),
    ];
    await writeFileReplacing(join(trainer.runDir, 'plots', `ap_per_class${suffix}.csv`), rows.map(formatCsvRow).join(''));
    const at = { step: trainer.globalStep, epoch: trainer.currentEpoch };
    for (const logger of trainer.loggers) await logger.logImage?.(`${split}/pr_curves`, png, at);
  }
}

register({
  group: 'callback',
  name: 'precision_recall',
  schema: precisionRecallOptionsSchema,
  description: 'multi-label: plots/pr_curves.png and ap_per_class.csv (AP per label) after each validation',
  build: (options: z.output<typeof precisionRecallOptionsSchema>) => new PrecisionRecallCurves(options),
});
