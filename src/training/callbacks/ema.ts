/**
 * `EMA`: an exponential moving average of the weights (timm's ModelEmaV2,
 * Lightning's EMA callbacks). After every optimizer step the average moves
 * toward the weights by `1 - d`, with `d = min(decay, (1 + n) / (10 + n))`
 * during warmup (n: updates so far); buffers (BatchNorm statistics) are
 * copied. The averaged weights are swapped in for validation and test, and
 * swapped back after; they are the callback's checkpoint state, and export
 * uses them when a run had EMA.
 *
 * @example
 * new Trainer({ callbacks: [new EMA({ decay: 0.999 })] });
 */
import { z } from 'zod';
import { parseOptions } from '../../data/transforms/options.js';
import type { TrainableModule } from '../trainable-module.js';
import { register } from '../../registry.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { StateTree } from '../../torch/optim/index.js';
import { Callback } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';

/** Options of `EMA`. */
export const emaSchema = z
  .object({
    decay: z.number().gt(0).lt(1).default(0.9999),
    /** Ramp the decay up from ~0.1 over the first updates (timm's warmup). */
    warmup: z.boolean().default(true),
    /** Update every N optimizer steps. */
    everyNSteps: z.number().int().min(1).default(1),
    /** Validate and test with the averaged weights. */
    evaluateWithEma: z.boolean().default(true),
  })
  .strict();

/** What the constructor accepts. */
export type EMAOptions = z.input<typeof emaSchema>;

/** Keeps an exponential moving average of the weights. */
export class EMA extends Callback {
  readonly options: z.output<typeof emaSchema>;
  updates = 0;
  /** The averaged tensors in the module's state-dict order (null before fit starts). */
  #shadow: Tensor[] | null = null;
  #names: string[] = [];
  #backup: Tensor[] | null = null;
  #lastStep = -1;

  constructor(options: EMAOptions = {}) {
    super();
    this.options = parseOptions('EMA', emaSchema, options);
  }

  /** Swaps the weights around evaluation: placed after the other callbacks, before checkpointing. */
  override get place(): 'weights' {
    return 'weights';
  }

  /** The current decay. */
  get currentDecay(): number {
    const { decay, warmup } = this.options;
    return warmup ? Math.min(decay, (1 + this.updates) / (10 + this.updates)) : decay;
  }

  /** The averaged weights by state-dict name (the callback's own tensors: do not dispose). */
  averaged(): Record<string, Tensor> | null {
    if (this.#shadow === null) return null;
    return Object.fromEntries(this.#names.map((n, i) => [n, this.#shadow![i]]));
  }

  override onFitStart(_trainer: TrainerView, module: TrainableModule): void {
    if (this.#shadow !== null) return; // restored from a checkpoint
    const state = module.stateDict({ keepVars: true });
    this.#names = Object.keys(state);
    this.#shadow = torch.tidy(() => this.#names.map((n) => torch.keep(state[n].detach().clone())));
  }

  override onTrainBatchEnd(trainer: TrainerView, module: TrainableModule): void {
    if (this.#shadow === null || trainer.globalStep === this.#lastStep || trainer.globalStep % this.options.everyNSteps !== 0) return;
    this.#lastStep = trainer.globalStep;
    const d = this.currentDecay;
    const state = module.stateDict({ keepVars: true });
    torch.noGrad(() =>
      torch.tidy(() => {
        this.#names.forEach((name, i) => {
          const live = state[name];
          const avg = this.#shadow![i];
          if (torch.isFloatingPoint(live.dtype) && live.requiresGrad) avg.lerp_(live, 1 - d);
          else avg.copy_(live);
        });
      }),
    );
    this.updates++;
  }

  #swap(module: TrainableModule): void {
    if (this.#shadow === null || !this.options.evaluateWithEma) return;
    const state = module.stateDict({ keepVars: true });
    torch.noGrad(() => {
      if (this.#backup === null) {
        this.#backup = torch.tidy(() => this.#names.map((n) => torch.keep(state[n].detach().clone())));
        this.#names.forEach((n, i) => state[n].copy_(this.#shadow![i]));
      } else {
        this.#names.forEach((n, i) => state[n].copy_(this.#backup![i]));
        torch.dispose(this.#backup);
        this.#backup = null;
      }
    });
  }

  override onValidationStart(_t: TrainerView, module: TrainableModule): void {
    this.#swap(module);
  }
  override onValidationEnd(_t: TrainerView, module: TrainableModule): void {
    if (this.#backup !== null) this.#swap(module);
  }
  override onTestStart(_t: TrainerView, module: TrainableModule): void {
    this.#swap(module);
  }
  override onTestEnd(_t: TrainerView, module: TrainableModule): void {
    if (this.#backup !== null) this.#swap(module);
  }
  override onException(_t: TrainerView, module: TrainableModule): void {
    if (this.#backup !== null) this.#swap(module);
  }

  override stateDict(): StateTree | null {
    if (this.#shadow === null) return null;
    return { updates: this.updates, names: this.#names, shadow: this.#shadow, decay: this.options.decay };
  }

  override loadStateDict(state: StateTree): void {
    const s = state as { updates: number; names: string[]; shadow: Tensor[] };
    this.dispose();
    this.updates = s.updates;
    this.#names = [...s.names];
    this.#shadow = torch.tidy(() => s.shadow.map((t) => torch.keep(t.clone())));
  }

  /** Frees the averaged weights. */
  dispose(): void {
    torch.dispose([this.#shadow, this.#backup]);
    this.#shadow = null;
    this.#backup = null;
  }
}

register({
  group: 'callback',
  name: 'ema',
  schema: emaSchema,
  build: (o: EMAOptions) => new EMA(o),
  description: 'exponential moving average of the weights, used for validation, test and export',
});
