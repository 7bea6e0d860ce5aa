/**
 * `Callback`: Lightning's callback in TypeScript. A callback overrides the
 * hooks it needs (Lightning's names in camelCase); every hook receives the
 * Trainer's read-mostly view and the module. The Trainer dispatches every hook
 * from one place (`HookDispatcher`), awaiting async hooks in order.
 *
 * A callback with state (EMA weights, early-stopping counters, best scores)
 * returns it from `stateDict()` and takes it back in `loadStateDict()`; the
 * state goes into the checkpoint under `stateKey`. Tensors inside the state
 * are stored as tensors (safetensors), everything else as JSON.
 *
 * Tensors handed to a hook (a batch, a loss) belong to the Trainer: read
 * them, but do not dispose or keep them past the hook.
 *
 * @example
 * class PrintEpoch extends Callback {
 *   override onTrainEpochEnd(trainer: TrainerView) { console.log(trainer.currentEpoch, trainer.callbackMetrics['train/loss']); }
 * }
 * new Trainer({ callbacks: [new PrintEpoch()] });
 */
import type { Tensor } from '../torch/index.js';
import type { StateTree } from '../torch/optim/index.js';
import type { ClassificationBatch } from '../data/classification-batch.js';
import type { TrainableModule } from './trainable-module.js';
import type { TrainerView } from './trainer-view.js';
import type { Checkpoint } from './checkpoint/checkpoint.js';

/** A hook's result: nothing, or a promise of nothing. */
export type HookResult = void | Promise<void>;

/** What batch hooks receive. */
export interface BatchContext {
  batch: ClassificationBatch;
  batchIdx: number;
  /** The step's loss (training, validation and test batch-end hooks); owned by the Trainer. */
  loss?: Tensor;
  /** Logits of the batch (validation and test batch-end hooks); owned by the Trainer. */
  logits?: Tensor;
}

/** The stages hooks run in. */
export type TrainerStage = 'fit' | 'validate' | 'test' | 'predict';

/** Every hook a callback (or the module) may implement. All optional. */
export interface Hooks {
  setup?(trainer: TrainerView, module: TrainableModule, stage: TrainerStage): HookResult;
  teardown?(trainer: TrainerView, module: TrainableModule, stage: TrainerStage): HookResult;
  onFitStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  onFitEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  onSanityCheckStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  onSanityCheckEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  onTrainStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  onTrainEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  onTrainEpochStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  onTrainEpochEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  onTrainBatchStart?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  onTrainBatchEnd?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  onBeforeBackward?(trainer: TrainerView, module: TrainableModule, loss: Tensor): HookResult;
  onAfterBackward?(trainer: TrainerView, module: TrainableModule): HookResult;
  onBeforeOptimizerStep?(trainer: TrainerView, module: TrainableModule): HookResult;
  onAfterOptimizerStep?(trainer: TrainerView, module: TrainableModule): HookResult;
  onValidationStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  onValidationEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  onValidationEpochStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  onValidationEpochEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  onValidationBatchStart?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  onValidationBatchEnd?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  onTestStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  onTestEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  onTestEpochStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  onTestEpochEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  onTestBatchStart?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  onTestBatchEnd?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  onPredictStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  onPredictEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  onPredictBatchEnd?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  /** Before a checkpoint is written: add to `checkpoint.extra` if needed. */
  onSaveCheckpoint?(trainer: TrainerView, module: TrainableModule, checkpoint: Checkpoint): HookResult;
  /** After a checkpoint was read, before training resumes. */
  onLoadCheckpoint?(trainer: TrainerView, module: TrainableModule, checkpoint: Checkpoint): HookResult;
  /** The run failed or was interrupted; the error is rethrown afterwards. */
  onException?(trainer: TrainerView, module: TrainableModule, error: unknown): HookResult;
}

/** The hook names, for dispatch and for listings. */
export type HookName = keyof Hooks;

/**
 * Base class of every callback: hooks default to doing nothing.
 *
 * @example
 * class Count extends Callback { n = 0; override onTrainBatchEnd() { this.n++; } override stateDict() { return { n: this.n }; } }
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the hooks are optional members of every callback
export abstract class Callback {
  /**
   * The key of this callback's state in a checkpoint; unique among a
   * Trainer's callbacks. The class name, unless the callback's options tell
   * two instances apart (see `generateStateKey`).
   */
  get stateKey(): string {
    return this.constructor.name;
  }

  /**
   * Lightning's `_generate_state_key`: the class name followed by the options
   * that identify an instance, so two of one kind (checkpoints of `val/loss`
   * and of `val/acc_top1`) keep their states apart in one checkpoint.
   *
   * @example
   * override get stateKey() { return this.generateStateKey({ monitor: 'val/loss', mode: 'min' }); } // 'ModelCheckpoint{"monitor":"val/loss","mode":"min"}'
   */
  protected generateStateKey(options: Readonly<Record<string, unknown>>): string {
    return `${this.constructor.name}${JSON.stringify(options)}`;
  }

  /**
   * A callback that draws on the console (a progress bar) returns how to
   * print a line without tearing its drawing; the Trainer routes its `print`
   * through the first such callback, and adds no console logger beside it
   * (the drawing shows the epoch lines). Null: the callback does not draw.
   */
  get printer(): ((message: string) => void) | null {
    return null;
  }

  /**
   * True for callbacks that only report (progress, plots, summaries): in a
   * data-parallel run only rank 0 runs them. Callbacks that change training
   * (EMA, early stopping, checkpoints) run on every rank.
   */
  get rankZeroOnly(): boolean {
    return false;
  }

  /**
   * Where the Trainer places this callback among the others (stable within a
   * place): 'weights' for callbacks that swap the module's weights around
   * evaluation (EMA), 'checkpoint' for those that save the run, so a
   * checkpoint holds what every other callback left and the trained weights.
   */
  get place(): 'default' | 'weights' | 'checkpoint' {
    return 'default';
  }

  /** State to save in the checkpoint (null: none). */
  stateDict(): StateTree | null {
    return null;
  }

  /** Takes back what `stateDict` returned (tensors are the checkpoint's own: copy what you keep). */
  loadStateDict(_state: StateTree): void {}
}

// Every hook is an optional member of Callback (declaration merging keeps them optional and typed).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface Callback extends Hooks {}
