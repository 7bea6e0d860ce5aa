/**
 * `SampleVisualization`: a grid of the first `numSamples` validation images
 * of each epoch with their true and predicted classes and the confidence,
 * written to `plots/samples.png` (misclassified ones framed in red) and
 * handed to every logger that takes images.
 *
 * The pixels are copied to JS inside `onValidationBatchEnd` (no tensor is
 * kept past the hook) and un-normalized with the eval pipeline's mean and
 * std (or the `normalize` option).
 *
 * @example
 * new Trainer({ callbacks: [new SampleVisualization({ numSamples: 25 })] });
 */
import { join } from 'node:path';
import { z } from 'zod';
import * as torch from '../../torch/index.js';
import { register } from '../../registry.js';
import type { RawImage } from '../../data/image.js';
import type { Normalization } from '../../data/collate.js';
import type { TrainableModule } from '../trainable-module.js';
import { Callback } from '../callback.js';
import type { BatchContext } from '../callback.js';
import type { TrainerView } from '../trainer-view.js';
import { classNamesOf } from '../plots/class-names.js';
import { renderSampleGrid } from '../plots/render-sample-grid.js';
import { writeFileReplacing } from '../plots/write-file-replacing.js';
import { parseOptions } from '../../data/transforms/options.js';

/** Options of `SampleVisualization` (registry name `sample_visualization`). @example sampleVisualizationOptionsSchema.parse({ numSamples: 9 }); */
export const sampleVisualizationOptionsSchema = z
  .object({
    numSamples: z.number().int().positive().default(16),
    /** Columns of the grid; default ⌈√numSamples⌉. */
    columns: z.number().int().positive().optional(),
    /** Side of each image in the grid, pixels. */
    tileSize: z.number().int().positive().default(128),
    /** Mean and std to undo; default: the data module's eval normalization (none: values are in [0, 1]). */
    normalize: z
      .object({ mean: z.array(z.number()).min(1), std: z.array(z.number()).min(1) })
      .nullable()
      .optional(),
  })
  .strict();

/** Options as a user writes them. @example const o: SampleVisualizationOptions = { numSamples: 8 }; */
export type SampleVisualizationOptions = z.input<typeof sampleVisualizationOptionsSchema>;

interface Sample {
  image: RawImage;
  label: number;
  pred: number;
  confidence: number;
}

/** Uint8 HWC pixels of image `b` of a [B, C, H, W] float batch, normalization undone. */
function toRawImage(chw: Float32Array, b: number, shape: number[], normalize: Normalization | null): RawImage {
  const [, channels, height, width] = shape;
  const plane = height * width;
  const data = Buffer.allocUnsafe(plane * channels);
  for (let c = 0; c < channels; c++) {
    const mean = normalize === null ? 0 : normalize.mean[normalize.mean.length === 1 ? 0 : c];
    const std = normalize === null ? 1 : normalize.std[normalize.std.length === 1 ? 0 : c];
    const offset = (b * channels + c) * plane;
    for (let p = 0; p < plane; p++) {
      data[p * channels + c] = Math.round(Math.min(1, Math.max(0, chw[offset + p] * std + mean)) * 255);
    }
  }
  return { data, width, height, channels: channels as 1 | 3 };
}

/**
 * The sample-grid callback.
 *
 * @example
 * const samples = new SampleVisualization({ numSamples: 4 });
 * await samples.onValidationBatchEnd(trainer, module, { batch, batchIdx: 0, logits });
 * await samples.onValidationEnd(trainer, module); // plots/samples.png
 */
export class SampleVisualization extends Callback {
  /** Reports only: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  readonly options: z.output<typeof sampleVisualizationOptionsSchema>;
  #samples: Sample[] = [];
  #saidMultiLabel = false;

  constructor(options: SampleVisualizationOptions = {}) {
    super();
    this.options = parseOptions('SampleVisualization', sampleVisualizationOptionsSchema, options);
  }

  override onValidationEpochStart(): void {
    this.#samples = [];
  }

  override onValidationBatchEnd(trainer: TrainerView, module: TrainableModule, context: BatchContext): void {
    // One true and one predicted class per tile cannot show several labels per image.
    if (module.exportMetadata?.task === 'multilabel') return this.#skipMultiLabel(trainer);
    const wanted = this.options.numSamples - this.#samples.length;
    const { images, labels } = context.batch;
    if (trainer.sanityChecking || !trainer.isGlobalZero || wanted <= 0 || context.logits === undefined) return;
    const [batchSize, channels] = images.shape;
    if (images.ndim !== 4 || (channels !== 1 && channels !== 3)) return;
    const k = Math.min(wanted, batchSize);
    const logits = context.logits;
    const host = torch.tidy(() => {
      const pixels = images.narrow(0, 0, k).to({ device: 'cpu', dtype: 'float32' }).contiguous();
      const probs = torch.softmax(logits.narrow(0, 0, k).to({ device: 'cpu', dtype: 'float32' }), 1);
      const { values, indices } = probs.max(1);
      const hard = labels.ndim === 1 ? labels.narrow(0, 0, k) : labels.narrow(0, 0, k).argmax({ dim: 1 });
      return {
        shape: pixels.shape,
        pixels: pixels.data() as Float32Array,
        confidence: values.data() as Float32Array,
        preds: Array.from(indices.data() as BigInt64Array, Number),
        labels: Array.from(hard.to({ device: 'cpu', dtype: 'int64' }).data() as BigInt64Array, Number),
      };
    });
    const normalize = this.#normalization(trainer);
    for (let b = 0; b < k; b++) {
      this.#samples.push({
        image: toRawImage(host.pixels, b, host.shape, normalize),
        label: host.labels[b],
        pred: host.preds[b],
        confidence: host.confidence[b],
      });
    }
  }

  #skipMultiLabel(trainer: TrainerView): void {
    if (!this.#saidMultiLabel && trainer.isGlobalZero && !trainer.sanityChecking)
      trainer.print('sample_visualization: a multi-label run: no sample grid');
    this.#saidMultiLabel = true;
  }

  override async onValidationEnd(trainer: TrainerView, module: TrainableModule): Promise<void> {
    if (trainer.sanityChecking || !trainer.isGlobalZero || this.#samples.length === 0) return;
    const names = classNamesOf(module, trainer.dataModule);
    const name = (i: number): string => names[i] ?? (i < 0 ? '?' : String(i));
    const png = await renderSampleGrid(
      this.#samples.map((s) => ({ image: s.image, trueLabel: name(s.label), predLabel: name(s.pred), confidence: s.confidence })),
      { columns: this.options.columns, tileSize: this.options.tileSize },
    );
    this.#samples = [];
    await writeFileReplacing(join(trainer.runDir, 'plots', 'samples.png'), png);
    const at = { step: trainer.globalStep, epoch: trainer.currentEpoch };
    for (const logger of trainer.loggers) await logger.logImage?.('val/samples', png, at);
  }

  #normalization(trainer: TrainerView): Normalization | null {
    if (this.options.normalize !== undefined) return this.options.normalize;
    try {
      return trainer.dataModule?.pipelines.eval.normalize ?? null;
    } catch {
      return null; // pipelines not built (loaders given directly): the values are shown as they are
    }
  }
}

register({
  group: 'callback',
  name: 'sample_visualization',
  schema: sampleVisualizationOptionsSchema,
  description: 'plots/samples.png: the first validation images of each epoch with true / predicted class',
  build: (options: z.output<typeof sampleVisualizationOptionsSchema>) => new SampleVisualization(options),
});
