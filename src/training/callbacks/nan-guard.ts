/**
 * `NanGuard`: a non-finite loss stops the run with an error naming the epoch
 * and step where it first appeared, and a checkpoint is never written from
 * non-finite weights (so neither best nor last can hold them). The per-step
 * check stays on the device: one boolean tensor per step, read together
 * every `checkEveryNSteps` steps and before every checkpoint.
 *
 * @example
 * new Trainer({ callbacks: [new NanGuard({ checkEveryNSteps: 10 })] });
 */
import { z } from 'zod';
import { TrainingError } from '../../errors.js';
import { parseOptions } from '../../data/transforms/options.js';
import type { TrainableModule } from '../trainable-module.js';
import { register } from '../../registry.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { Callback } from '../callback.js';
import type { BatchContext } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';

/** Options of `NanGuard`. */
export const nanGuardSchema = z
  .object({
    checkEveryNSteps: z.number().int().min(1).default(25),
  })
  .strict();

/** What the constructor accepts. */
export type NanGuardOptions = z.input<typeof nanGuardSchema>;

/** Stops on a non-finite loss; refuses to checkpoint non-finite weights. */
export class NanGuard extends Callback {
  readonly options: z.output<typeof nanGuardSchema>;
  #flags: Tensor[] = [];
  #where: { epoch: number; step: number; batchIdx: number }[] = [];

  constructor(options: NanGuardOptions = {}) {
    super();
    this.options = parseOptions('NanGuard', nanGuardSchema, options);
  }

  override onTrainBatchEnd(trainer: TrainerView, _module: TrainableModule, context: BatchContext): void {
    if (context.loss === undefined) return;
    this.#flags.push(torch.tidy(() => torch.keep(torch.isfinite(context.loss!).all())));
    this.#where.push({ epoch: trainer.currentEpoch, step: trainer.globalStep, batchIdx: context.batchIdx });
    if (this.#flags.length >= this.options.checkEveryNSteps) this.check();
  }

  /** Reads the pending flags; throws at the first non-finite loss. */
  check(): void {
    if (this.#flags.length === 0) return;
    const flags = this.#flags;
    const where = this.#where;
    this.#flags = [];
    this.#where = [];
    const finite = torch.tidy(() => Array.from(torch.stack(flags).data() as Uint8Array));
    torch.dispose(flags);
    const bad = finite.findIndex((f) => !f);
    if (bad === -1) return;
    const w = where[bad];
    throw new TrainingError(
      `NanGuard: expected a finite training loss, but got a non-finite one at epoch ${w.epoch}, step ${w.step} (batch ${w.batchIdx}); the run stopped and no checkpoint holds these weights (lower the learning rate, or set gradientClipVal)`,
    );
  }

  override onTrainEpochEnd(): void {
    this.check();
  }

  override onSaveCheckpoint(trainer: TrainerView, module: TrainableModule): void {
    this.check();
    const params = module.parameters();
    const bad = torch.noGrad(() =>
      torch.tidy(() =>
        torch
          .stack(params.map((p) => torch.isfinite(p).logicalNot().any()))
          .sum()
          .item(),
      ),
    );
    if (bad > 0) {
      throw new TrainingError(
        `NanGuard: expected finite weights to checkpoint, but ${bad} parameter tensor(s) hold NaN or Inf at epoch ${trainer.currentEpoch}, step ${trainer.globalStep}; nothing was saved`,
      );
    }
  }

  override onException(): void {
    torch.dispose(this.#flags);
    this.#flags = [];
    this.#where = [];
  }
}

register({
  group: 'callback',
  name: 'nan_guard',
  schema: nanGuardSchema,
  build: (o: NanGuardOptions) => new NanGuard(o),
  description: 'stops on a non-finite loss; never checkpoints non-finite weights',
});
