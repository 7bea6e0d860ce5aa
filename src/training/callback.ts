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
  /** Called as every fit, validate, test or predict starts, before its data and optimizer are prepared; build what `stage` needs here. */
  setup?(trainer: TrainerView, module: TrainableModule, stage: TrainerStage): HookResult;
  /** Called as every stage ends, also after a failure (its errors are ignored), before loggers finalize; release what `setup` built. */
  teardown?(trainer: TrainerView, module: TrainableModule, stage: TrainerStage): HookResult;
  /** Called once per fit, with the data, optimizer and any resumed checkpoint in place, before the sanity check. */
  onFitStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called when the fit loop is over (a limit reached, stopped, interrupted; not after a failure), before hyperparameters are logged. */
  onFitEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called before the sanity validation (`numSanityValSteps` val batches whose values reach neither metrics nor loggers). */
  onSanityCheckStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called after the sanity validation, before training starts. */
  onSanityCheckEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called after the sanity check, before the first training epoch (also when resuming). */
  onTrainStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called after the last training epoch, also when the run was stopped early or interrupted. */
  onTrainEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called as every training epoch starts (a resumed one mid-epoch too), with the module in train mode. */
  onTrainEpochStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called after every completed training epoch and its validation, with the epoch's metrics in `callbackMetrics`: checkpoint here. */
  onTrainEpochEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called before every training batch's forward, with the batch (already on the run's device). */
  onTrainBatchStart?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  /** Called after every training batch (and optimizer step, if any), with the batch and its detached loss: log per step here. */
  onTrainBatchEnd?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  /** Called with every training batch's loss, before its backward pass. */
  onBeforeBackward?(trainer: TrainerView, module: TrainableModule, loss: Tensor): HookResult;
  /** Called after every backward pass, with the gradients accumulated but not yet clipped or unscaled; the place to inspect them. */
  onAfterBackward?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called at every accumulation boundary before the optimizer step, after gradient clipping. */
  onBeforeOptimizerStep?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called after every optimizer step (gradients zeroed, per-step scheduler ticked); the place to average weights (EMA). */
  onAfterOptimizerStep?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called as every validation pass starts (sanity check, during and after epochs, `trainer.validate`), with the module in eval mode. */
  onValidationStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called as every validation pass ends, after `onValidationEpochEnd`; a training module returns to train mode after it. */
  onValidationEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called right after `onValidationStart`, before the first validation batch. */
  onValidationEpochStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called after every validation pass, once the module computed its metrics (in `callbackMetrics`, except for the sanity check). */
  onValidationEpochEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called before every validation batch's forward, with the batch (already on the run's device). */
  onValidationBatchStart?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  /** Called after every validation batch, with the batch, its loss and its logits (the Trainer's: read, do not keep). */
  onValidationBatchEnd?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  /** Called as `trainer.test` starts its pass over the test split, with the module in eval mode. */
  onTestStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called as the test pass ends, after `onTestEpochEnd`. */
  onTestEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called right after `onTestStart`, before the first test batch. */
  onTestEpochStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called after the test pass, once the module computed the test metrics (in `callbackMetrics`). */
  onTestEpochEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called before every test batch's forward, with the batch (already on the run's device). */
  onTestBatchStart?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  /** Called after every test batch, with the batch, its loss and its logits (the Trainer's: read, do not keep). */
  onTestBatchEnd?(trainer: TrainerView, module: TrainableModule, context: BatchContext): HookResult;
  /** Called as `trainer.predict` starts, with the module in eval mode. */
  onPredictStart?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called after the last prediction batch, before `trainer.predict` returns its rows. */
  onPredictEnd?(trainer: TrainerView, module: TrainableModule): HookResult;
  /** Called after every prediction batch, with the batch (its probabilities are already read). */
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
