/**
 * `MultiLabelModule`: the module of the multi-label task (`task:
 * multilabel`), beside ClassificationModule and driven by the Trainer
 * through the same `TrainableModule` interface: a backbone whose C logits
 * are independent sigmoids, a multi-label loss (`bce`, `asl`), the
 * multi-label metrics of each split (mAP, F1 at the thresholds, Hamming
 * loss, ...), and per-label decision thresholds kept as a buffer, so they
 * travel in every checkpoint and reach the ONNX metadata and
 * labels_mapping.json.
 *
 * With `thresholds: 'tuned'`, each validation of a fit ends by setting every
 * label's threshold to its F1-optimal value on that epoch's val predictions
 * (over the distinct probabilities; a label without positives keeps its
 * threshold), before the checkpoint of that epoch is written: each checkpoint
 * holds the thresholds tuned for its own weights, and the last ones are those
 * of the end of fit. The F1 logged for an epoch is at the thresholds in force
 * during it; `val/f1_tuned` is the macro F1 the new thresholds reach.
 *
 * @example
 * const module = new MultiLabelModule(models.resnet18({ numClasses: 5, stem: 'small' }), { numClasses: 5, thresholds: 'tuned' });
 * module.trainingStep({ images, labels: multiHot }, 0).backward();
 */
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/index.js';
import type { LoadStateDictResult } from '../torch/nn/index.js';
import { logEntry } from '../metrics/log-entry.js';
import type { LogEntry, LogOptions } from '../metrics/log-entry.js';
import type { MetricReducer } from '../metrics/metric.js';
import { bestF1Threshold, precisionRecallCurve } from '../metrics/multilabel-ranking.js';
import type { PrecisionRecallCurve } from '../metrics/multilabel-ranking.js';
import { register, registry } from '../registry.js';
import type { ClassificationBatch } from '../data/classification-batch.js';
import type { LossFunction } from './components.js';
import { configureOptimizers } from './configure-optimizers.js';
import type { OptimizerConfig } from './configure-optimizers.js';
import { Finetuning } from './finetune.js';
import { finetuneOptionsSchema } from './finetune-options.js';
import { MultilabelProbabilities } from './multilabel-probabilities.js';
import { parseMultilabelOptions } from './multilabel-options.js';
import type { MultilabelOptions, MultilabelOptionsInput } from './multilabel-options.js';
import { MultilabelSplitMetrics } from './multilabel-split-metrics.js';
import type { Split } from './split-metrics.js';

/** Each label's precision-recall curve and AP over one split's last epoch (for plots and the report). */
export interface LabelCurves {
  curves: PrecisionRecallCurve[];
  ap: number[];
}

/**
 * A backbone with sigmoid outputs, a multi-label loss, metrics and thresholds.
 *
 * @example
 * const module = new MultiLabelModule(backbone, { numClasses: 3, loss: { name: 'asl', gammaNeg: 4 } });
 */
export class MultiLabelModule extends Module {
  declare backbone: Module;
  /** The decision threshold of each label [C] (a buffer: saved and restored with the weights). */
  declare thresholds: Tensor;
  readonly hparams: MultilabelOptions;
  readonly finetuning: Finetuning;
  /** The last precision-recall curves of val and test. */
  readonly labelCurves: Partial<Record<Split, LabelCurves>> = {};
  readonly #metrics: Record<Split, MultilabelSplitMetrics>;
  #logs: LogEntry[] = [];
  #loss: LossFunction | null = null;
  /** Negatives / positives per label of the train split, when the loss asks for `posWeight: auto`. */
  #posWeight: number[] | null = null;
  #fitting = false;
  /** The thresholds the last validation tuned, until its end has passed (see `onValidationEnd`). */
  #tuned: number[] | null = null;

  constructor(backbone: Module, options: MultilabelOptionsInput) {
    super();
    this.hparams = parseMultilabelOptions(options);
    this.registerModule('backbone', backbone);
    this.finetuning = new Finetuning(backbone, this.hparams.finetune ?? finetuneOptionsSchema.parse({}));
    const { numClasses, classNames, thresholds } = this.hparams;
    const start = thresholds === 'tuned' ? 0.5 : thresholds;
    this.registerBuffer('thresholds', torch.full([numClasses], start, { dtype: 'float32' }));
    const make = (split: Split) => new MultilabelSplitMetrics(split, { numLabels: numClasses, classNames });
    this.#metrics = { train: make('train'), val: make('val'), test: make('test') };
    this.#setMetricThresholds(new Array<number>(numClasses).fill(start));
  }

  get numClasses(): number {
    return this.hparams.numClasses;
  }
  get classNames(): readonly string[] | undefined {
    return this.hparams.classNames;
  }
  /** Never: a multi-label loss is weighted per label by `posWeight`, which the module computes itself. */
  get useClassWeights(): boolean {
    return false;
  }
  get modelInfo(): { name: string; options: Record<string, unknown> } | null {
    return (this.backbone as { modelInfo?: { name: string; options: Record<string, unknown> } | null }).modelInfo ?? null;
  }
  get summaryModule(): Module {
    return this.backbone;
  }
  /** What an ONNX export writes: the backbone followed by a sigmoid, so the model outputs probabilities. */
  get exportModule(): Module {
    return new MultilabelProbabilities(this.backbone);
  }
  /** The export's task and thresholds (the ONNX metadata and labels_mapping.json). */
  get exportMetadata(): { task: 'multilabel'; thresholds: number[] } {
    return { task: 'multilabel', thresholds: this.labelThresholds };
  }
  /** The thresholds as numbers, label order. */
  get labelThresholds(): number[] {
    return Array.from(this.thresholds.data() as Float32Array);
  }

  /** Logits [B, C]: one independent score per label. */
  forward(images: Tensor): Tensor {
    return this.backbone.forward(images);
  }

  /** The configured loss of logits [B, C] against multi-hot (or mixed) targets [B, C]. */
  computeLoss(logits: Tensor, target: Tensor): Tensor {
    if (this.#loss === null) {
      const { name, useClassWeights: _unused, ...options } = this.hparams.loss;
      const auto = options.posWeight === 'auto';
      this.#loss = registry.build<LossFunction>('loss', name, auto ? { ...options, posWeight: this.#posWeight ?? 'auto' } : options);
    }
    return this.#loss(logits, target);
  }

  #step(split: Split, batch: ClassificationBatch): { loss: Tensor; logits: Tensor } {
    const logits = this.forward(batch.images);
    const loss = this.computeLoss(logits, batch.labels);
    this.#metrics[split].update(
      torch.tidy(() => logits.detach().sigmoid()),
      batch.labels,
      loss,
    );
    return { loss, logits };
  }

  trainingStep(batch: ClassificationBatch, _batchIndex: number): Tensor {
    const { loss } = this.#step('train', batch);
    this.log('train/loss_step', loss, { onStep: true, onEpoch: false, progBar: true });
    return loss;
  }
  validationStep(batch: ClassificationBatch, _batchIndex: number): { loss: Tensor; logits: Tensor } {
    return this.#step('val', batch);
  }
  testStep(batch: ClassificationBatch, _batchIndex: number): { loss: Tensor; logits: Tensor } {
    return this.#step('test', batch);
  }

  /**
   * Label probabilities (sigmoid) and the labels predicted at the thresholds (bool [B, C]); updates no metrics.
   *
   * @example
   * const { probs, preds } = torch.noGrad(() => module.predictStep({ images }, 0));
   */
  predictStep(batch: Pick<ClassificationBatch, 'images'>, _batchIndex: number): { probs: Tensor; preds: Tensor } {
    const probs = this.forward(batch.images).sigmoid();
    return { probs, preds: probs.ge(this.thresholds.unsqueeze(0)) };
  }

  /** Sets every label's threshold (the buffer and the metrics counting at them). @example module.setThresholds([0.4, 0.6, 0.5]); */
  setThresholds(thresholds: readonly number[]): void {
    this.#setMetricThresholds(thresholds);
    torch.noGrad(() => this.thresholds.copy_(torch.tensor([...thresholds], { dtype: 'float32', device: this.thresholds.device })));
  }

  /** Loads weights and thresholds; the metrics count at the loaded thresholds (a resumed fit, `validate`, `test`). */
  override loadStateDict(record: Record<string, Tensor>, options: { strict?: boolean } = {}): LoadStateDictResult {
    const result = super.loadStateDict(record, options);
    this.#setMetricThresholds(this.labelThresholds);
    return result;
  }

  #setMetricThresholds(thresholds: readonly number[]): void {
    for (const m of Object.values(this.#metrics)) m.setThresholds(thresholds);
  }

  #epochEnd(split: Split): Record<string, number> {
    const columns = split === 'train' ? [] : this.#metrics[split].columns();
    if (columns.length > 0) {
      this.labelCurves[split] = { curves: columns.map((c) => precisionRecallCurve(c.scores, c.target)), ap: [] };
    }
    const { values, perLabel } = this.#metrics[split].computeAndReset();
    if (perLabel !== null && this.labelCurves[split] !== undefined) this.labelCurves[split].ap = perLabel.ap;
    if (split === 'val' && this.#fitting && this.hparams.thresholds === 'tuned' && columns.length > 0) {
      const current = this.labelThresholds;
      const best = columns.map((c) => bestF1Threshold(c.scores, c.target));
      this.#tuned = best.map((b, i) => b?.threshold ?? current[i]);
      this.setThresholds(this.#tuned);
      const tuned = best.filter((b) => b !== null);
      if (tuned.length > 0) values['val/f1_tuned'] = tuned.reduce((a, b) => a + b.f1, 0) / tuned.length;
    }
    for (const [name, value] of Object.entries(values)) {
      const perClass = /_class\//.test(name);
      this.log(name, value, { onStep: false, onEpoch: true, progBar: !perClass && (name.endsWith('/loss') || name.endsWith('/mAP')) });
    }
    return values;
  }

  onTrainEpochEnd(): Record<string, number> {
    return this.#epochEnd('train');
  }
  /** Computes, logs and resets the val metrics; tunes the thresholds while fitting with `thresholds: 'tuned'`. */
  onValidationEpochEnd(): Record<string, number> {
    return this.#epochEnd('val');
  }
  /**
   * After the callbacks' validation end: a callback that swapped weights in for validation (EMA) has
   * swapped the module's state back, thresholds included; the tuned ones are set again.
   */
  onValidationEnd(): void {
    if (this.#tuned !== null) this.setThresholds(this.#tuned);
    this.#tuned = null;
  }
  onTestEpochEnd(): Record<string, number> {
    return this.#epochEnd('test');
  }

  /** A fit starts: thresholds may be tuned from now on, and `posWeight: auto` comes from the train split's label counts. */
  onFitStart(trainer: { readonly dataModule: { positiveWeights?(): number[] } | null }): void {
    this.#fitting = true;
    if (this.hparams.loss.posWeight !== 'auto' || trainer.dataModule?.positiveWeights === undefined) return;
    this.#posWeight = trainer.dataModule.positiveWeights();
    this.#loss = null;
  }
  onFitEnd(): void {
    this.#fitting = false;
  }

  configureOptimizers(run: { maxEpochs: number; stepsPerEpoch?: number }): OptimizerConfig {
    return configureOptimizers(this.finetuning.layerGroups() ?? this.parameters(), this.hparams, run);
  }

  override train(mode = true): this {
    super.train(mode);
    if (mode) this.finetuning?.holdBatchNorm();
    return this;
  }

  onTrainEpochStart(trainer: { readonly currentEpoch: number }): void {
    this.finetuning.startEpoch(trainer.currentEpoch);
  }

  log(name: string, value: Tensor | number, options: LogOptions = {}): void {
    this.#logs.push(logEntry(name, value, options));
  }

  takeLogs(): LogEntry[] {
    const logs = this.#logs;
    this.#logs = [];
    return logs;
  }

  syncMetrics(split: Split, reduce: MetricReducer): void {
    this.#metrics[split].sync(reduce);
  }

  resetMetrics(split: Split): void {
    this.#metrics[split].reset();
  }

  override dispose(): void {
    for (const m of Object.values(this.#metrics)) m.dispose();
    for (const entry of this.takeLogs()) if (typeof entry.value !== 'number') entry.value.dispose();
    super.dispose();
  }
}

register({
  group: 'module',
  name: 'multilabel',
  runtime: ['backbone'],
  build: ({ backbone, ...options }: MultilabelOptionsInput & { backbone: Module }) => new MultiLabelModule(backbone, options),
  description: 'multi-label: a backbone with sigmoid outputs, a multi-label loss, metrics and per-label thresholds',
});
