/**
 * `TrainingHistory`: redraws the training curves (`plots/curves_loss.png`,
 * `curves_accuracy.png`, `curves_lr.png`) from `trainer.history` whenever a
 * new epoch record appears: it looks after validation, after each training
 * epoch and at the end of fit, and draws only when the history changed, so
 * the PNGs are current whichever hook the Trainer records the epoch in.
 *
 * @example
 * new Trainer({ callbacks: [new TrainingHistory({ x: 'step' })] });
 */
import { join } from 'node:path';
import { z } from 'zod';
import { register } from '../../registry.js';
import type { TrainableModule } from '../trainable-module.js';
import { Callback } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';
import { renderCurves } from '../plots/render-curves.js';
import { writeFileReplacing } from '../plots/write-file-replacing.js';
import { parseOptions } from '../../data/transforms/options.js';

/** Options of `TrainingHistory` (registry name `training_history`). @example trainingHistoryOptionsSchema.parse({ x: 'step' }); */
export const trainingHistoryOptionsSchema = z
  .object({
    /** The x axis: epochs or optimizer steps. */
    x: z.enum(['epoch', 'step']).default('epoch'),
  })
  .strict();

/** Options as a user writes them. @example const o: TrainingHistoryOptions = { x: 'epoch' }; */
export type TrainingHistoryOptions = z.input<typeof trainingHistoryOptionsSchema>;

/**
 * The training-curves callback.
 *
 * @example
 * const history = new TrainingHistory();
 * await history.onTrainEpochEnd(trainer); // plots/curves_*.png
 */
export class TrainingHistory extends Callback {
  /** Reports only: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  readonly options: z.output<typeof trainingHistoryOptionsSchema>;
  /** What the PNGs show now, to draw only when the history changed. */
  #drawn = '';

  constructor(options: TrainingHistoryOptions = {}) {
    super();
    this.options = parseOptions('TrainingHistory', trainingHistoryOptionsSchema, options);
  }

  override async onValidationEnd(trainer: TrainerView, _module?: TrainableModule): Promise<void> {
    if (!trainer.sanityChecking) await this.#draw(trainer);
  }

  override async onTrainEpochEnd(trainer: TrainerView, _module?: TrainableModule): Promise<void> {
    await this.#draw(trainer);
  }

  override async onFitEnd(trainer: TrainerView, _module?: TrainableModule): Promise<void> {
    await this.#draw(trainer);
  }

  async #draw(trainer: TrainerView): Promise<void> {
    const history = trainer.history;
    const key = `${history.length}:${JSON.stringify(history.at(-1) ?? null)}`;
    if (!trainer.isGlobalZero || history.length === 0 || key === this.#drawn) return;
    for (const { name, png } of await renderCurves(history, { x: this.options.x })) {
      await writeFileReplacing(join(trainer.runDir, 'plots', `curves_${name}.png`), png);
    }
    this.#drawn = key;
  }
}

register({
  group: 'callback',
  name: 'training_history',
  schema: trainingHistoryOptionsSchema,
  description: 'plots/curves_{loss,accuracy,lr}.png from the epoch history, redrawn each epoch',
  build: (options: z.output<typeof trainingHistoryOptionsSchema>) => new TrainingHistory(options),
});
