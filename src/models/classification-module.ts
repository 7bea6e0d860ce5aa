/**
 * `ClassificationModule`: the LightningModule equivalent for image
 * classification. It holds a backbone and owns the loss (class-weighted
 * cross-entropy or focal, label smoothing, soft targets), the metrics of each
 * split, the optimizer and scheduler configuration, and its hyperparameters
 * (saved into every checkpoint). The Trainer drives it only through the hooks
 * below and collects what `log` records: it fits the Trainer's
 * `TrainableModule` interface structurally, without importing training/.
 *
 * @example
 * const module = new ClassificationModule(models.resnet18({ numClasses: 10, stem: 'small' }), { numClasses: 10 });
 * const loss = module.trainingStep({ images, labels }, 0);
 * loss.backward();
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/index.js';
import { ShapeError } from '../errors.js';
import { parseClassificationOptions } from './classification-options.js';
import type { ClassificationOptions, ClassificationOptionsInput } from './classification-options.js';
import { configureOptimizers } from './configure-optimizers.js';
import type { OptimizerConfig } from './configure-optimizers.js';
import { Finetuning } from './finetune.js';
import { finetuneOptionsSchema } from './finetune-options.js';
import { register, registry } from '../registry.js';
import type { LossFunction } from './components.js';
import { SplitMetrics } from './split-metrics.js';
import type { Split } from './split-metrics.js';
import type { MetricReducer } from '../metrics/metric.js';
import { logEntry } from '../metrics/log-entry.js';
import type { LogEntry, LogOptions } from '../metrics/log-entry.js';
import type { ClassificationBatch } from '../data/classification-batch.js';

export type { ClassificationBatch } from '../data/classification-batch.js';
export type { LogEntry, LogOptions } from '../metrics/log-entry.js';

/** What an evaluation step returns: the batch's mean loss and its logits [B, C]. */
export interface StepOutput {
  loss: Tensor;
  logits: Tensor;
}

/** Prediction output: class probabilities [B, C] and the predicted class [B]. */
export interface Prediction {
  probs: Tensor;
  preds: Tensor;
}

/**
 * A backbone with its loss, metrics, optimizer configuration and hparams.
 *
 * @example
 * const module = new ClassificationModule(backbone, { numClasses: 3, loss: { name: 'focal' } });
 * module.setClassWeights([1, 2, 1]);
 */
export class ClassificationModule extends Module {
  declare backbone: Module;
  declare classWeights: Tensor | null;
  readonly hparams: ClassificationOptions;
  readonly #metrics: Record<Split, SplitMetrics>;
  #logs: LogEntry[] = [];
  /** The registry-built loss and the class-weights tensor it was built with (rebuilt when the weights change). */
  #loss: { fn: LossFunction; weight: Tensor | null } | null = null;
  /** The last confusion matrix computed per split (kept for callbacks such as plots). */
  readonly confusionMatrices: Partial<Record<Split, Tensor>> = {};
  /** The `finetune` options at work: per-group learning rates, the frozen backbone, held BatchNorm layers. */
  readonly finetuning: Finetuning;

  constructor(backbone: Module, options: ClassificationOptionsInput) {
    super();
    this.hparams = parseClassificationOptions(options);
    this.registerModule('backbone', backbone);
    this.finetuning = new Finetuning(backbone, this.hparams.finetune ?? finetuneOptionsSchema.parse({}));
    // Not persistent: a module rebuilt from a checkpoint's hparams for inference has no data to
    // compute weights from, and a strict load must not fail on them; training recomputes them.
    this.registerBuffer('classWeights', null, { persistent: false });
    const { numClasses, classNames } = this.hparams;
    this.#metrics = {
      train: new SplitMetrics('train', { numClasses, classNames }),
      val: new SplitMetrics('val', { numClasses, classNames }),
      test: new SplitMetrics('test', { numClasses, classNames }),
    };
  }

  get numClasses(): number {
    return this.hparams.numClasses;
  }

  /** Class names from the hyperparameters, when given. */
  get classNames(): readonly string[] | undefined {
    return this.hparams.classNames;
  }

  /** True when the loss is weighted by class frequencies the Trainer computes from the train split. */
  get useClassWeights(): boolean {
    return this.hparams.loss.useClassWeights;
  }

  /** The backbone's registry name and options, when it was built by name. */
  get modelInfo(): { name: string; options: Record<string, unknown> } | null {
    return (this.backbone as { modelInfo?: { name: string; options: Record<string, unknown> } | null }).modelInfo ?? null;
  }

  /** A summary describes the backbone: the module adds no layers of its own. */
  get summaryModule(): Module {
    return this.backbone;
  }

  forward(images: Tensor): Tensor {
    return this.backbone.forward(images);
  }

  /**
   * Replaces the class-weights buffer ([C] weights; null switches weighting
   * off). The buffer is a copy in the dtype and on the device of the
   * module's floating-point parameters, and moves with `to()`.
   */
  setClassWeights(weights: Tensor | readonly number[] | null): void {
    if (weights === null) {
      this.classWeights?.dispose();
      this.classWeights = null;
      return;
    }
    const reference = this.parameters().find((p) => torch.isFloatingPoint(p.dtype));
    const dtype = reference?.dtype ?? 'float32';
    const device = reference?.device ?? 'cpu';
    const t =
      weights instanceof torch.Tensor
        ? torch.tidy(() => weights.detach().to({ dtype, device, copy: true }))
        : torch.tensor([...weights], { dtype, device });
    if (t.ndim !== 1 || t.size(0) !== this.numClasses) {
      const shape = t.shape;
      t.dispose();
      throw new ShapeError(
        `ClassificationModule.setClassWeights: expected ${this.numClasses} weights (shape [${this.numClasses}]), but got shape [${shape.join(', ')}]`,
      );
    }
    this.classWeights?.dispose();
    this.classWeights = t;
  }

  /** The configured loss (built through the registry by `hparams.loss.name`) of logits against int64 labels or soft targets. */
  computeLoss(logits: Tensor, labels: Tensor): Tensor {
    const { name, useClassWeights, ...options } = this.hparams.loss;
    const weight = useClassWeights ? this.classWeights : null;
    if (this.#loss === null || this.#loss.weight !== weight) {
      this.#loss = { fn: registry.build<LossFunction>('loss', name, weight === null ? options : { ...options, weight }), weight };
    }
    return this.#loss.fn(logits, labels);
  }

  #hardLabels(labels: Tensor): Tensor {
    return labels.dtype === 'int64' ? labels : labels.argmax({ dim: 1 });
  }

  #step(split: Split, batch: ClassificationBatch): StepOutput {
    const logits = this.forward(batch.images);
    const loss = this.computeLoss(logits, batch.labels);
    this.#metrics[split].update(logits, this.#hardLabels(batch.labels), loss);
    return { loss, logits };
  }

  /** Forward, loss and train metrics; returns the loss to back-propagate. */
  trainingStep(batch: ClassificationBatch, _batchIndex: number): Tensor {
    const { loss } = this.#step('train', batch);
    this.log('train/loss_step', loss, { onStep: true, onEpoch: false, progBar: true });
    return loss;
  }

  /** Forward, loss and val metrics; the loss and logits go to the batch-end hooks (plots, samples). */
  validationStep(batch: ClassificationBatch, _batchIndex: number): StepOutput {
    return this.#step('val', batch);
  }

  /** Forward, loss and test metrics, as `validationStep` does for val (used by `trainer.test`). */
  testStep(batch: ClassificationBatch, _batchIndex: number): StepOutput {
    return this.#step('test', batch);
  }

  /**
   * Class probabilities (softmax of the logits) and the predicted class of a batch; labels are not needed. Updates no metrics.
   *
   * @example
   * const { probs, preds } = torch.noGrad(() => module.predictStep({ images }, 0));
   */
  predictStep(batch: Pick<ClassificationBatch, 'images'>, _batchIndex: number): Prediction {
    const logits = this.forward(batch.images);
    return { probs: torch.softmax(logits, 1), preds: logits.argmax({ dim: 1 }) };
  }

  #epochEnd(split: Split): Record<string, number> {
    const { values, confusionMatrix } = this.#metrics[split].computeAndReset();
    if (confusionMatrix !== null) {
      this.confusionMatrices[split]?.dispose();
      this.confusionMatrices[split] = confusionMatrix;
    }
    for (const [name, value] of Object.entries(values)) {
      const perClass = name.includes('/acc_class/');
      this.log(name, value, { onStep: false, onEpoch: true, progBar: !perClass && (name.endsWith('/loss') || name.endsWith('/acc_top1')) });
    }
    return values;
  }

  /** Computes, logs and resets the epoch's train metrics; the Trainer calls it before the callbacks' `onTrainEpochEnd`. */
  onTrainEpochEnd(): Record<string, number> {
    return this.#epochEnd('train');
  }
  /** Computes, logs and resets the val metrics, keeping the confusion matrix in `confusionMatrices.val` for callbacks. */
  onValidationEpochEnd(): Record<string, number> {
    return this.#epochEnd('val');
  }
  /** Computes, logs and resets the test metrics, keeping the confusion matrix in `confusionMatrices.test`. */
  onTestEpochEnd(): Record<string, number> {
    return this.#epochEnd('test');
  }

  /** The optimizer and scheduler from the hyperparameters, for a run of `maxEpochs`; fine-tuning gives each layer group its lr. */
  configureOptimizers(run: { maxEpochs: number; stepsPerEpoch?: number }): OptimizerConfig {
    return configureOptimizers(this.finetuning.layerGroups() ?? this.parameters(), this.hparams, run);
  }

  /** Training mode, except the BatchNorm layers fine-tuning holds in eval mode (`finetune.freezeBatchNorm`, a frozen backbone). */
  override train(mode = true): this {
    super.train(mode);
    // Module's constructor may switch modes before this class's fields exist.
    if (mode) this.finetuning?.holdBatchNorm();
    return this;
  }

  /** Freezes or unfreezes the backbone for the epoch starting (`finetune.freezeEpochs`); a resumed run gets the state of its epoch. */
  onTrainEpochStart(trainer: { readonly currentEpoch: number }): void {
    this.finetuning.startEpoch(trainer.currentEpoch);
  }

  /** Records a value for the Trainer (Lightning's `self.log`); tensors are detached and kept until collected. */
  log(name: string, value: Tensor | number, options: LogOptions = {}): void {
    this.#logs.push(logEntry(name, value, options));
  }

  /** Hands over everything logged since the last call; the caller disposes tensor values. */
  takeLogs(): LogEntry[] {
    const logs = this.#logs;
    this.#logs = [];
    return logs;
  }

  /**
   * Makes this rank's metrics of `split` hold every rank's states (a
   * data-parallel run calls it on every rank right before the split's epoch
   * end), so the values computed there are the whole data set's.
   *
   * @example
   * module.syncMetrics('val', { sum: (ts) => ddp.allReduceSum(ts), gather: (t) => ddp.allGather(t) });
   */
  syncMetrics(split: Split, reduce: MetricReducer): void {
    this.#metrics[split].sync(reduce);
  }

  /** Resets the metrics of a split without computing (e.g. an interrupted epoch). */
  resetMetrics(split: Split): void {
    this.#metrics[split].reset();
  }

  override dispose(): void {
    for (const m of Object.values(this.#metrics)) m.dispose();
    for (const cm of Object.values(this.confusionMatrices)) cm?.dispose();
    for (const entry of this.takeLogs()) if (typeof entry.value !== 'number') entry.value.dispose();
    super.dispose();
  }
}

register({
  group: 'module',
  name: 'classification',
  runtime: ['backbone'],
  build: ({ backbone, ...options }: ClassificationOptionsInput & { backbone: Module }) => new ClassificationModule(backbone, options),
  description: 'a backbone with its loss, metrics and optimizer configuration (hparams as in checkpoints)',
});
