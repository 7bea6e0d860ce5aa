/**
 * `ExportOnnx`: at the end of `fit`, exports the best checkpoint (or the last,
 * or a given file) to `<runDir>/export/model.onnx` with `labels_mapping.json`
 * beside it, by the same rules as the `export` command: EMA weights when the
 * run used EMA, the parity check against onnxruntime, an atomic write.
 *
 * @example
 * new Trainer({ callbacks: [new ExportOnnx({ weights: 'best', foldBatchNorm: true })] });
 */
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../../data/transforms/options.js';
import { register } from '../../registry.js';
import { Callback } from '../callback.js';
import { exportCheckpoint } from '../export-checkpoint.js';
import type { TrainerView } from '../trainer-view.js';

/** Options of `ExportOnnx`. */
export const exportOnnxSchema = z
  .object({
    /** 'best', 'last', 'best:<monitor>' (a run with several checkpoint callbacks) or a checkpoint path. */
    weights: z.string().min(1).default('best'),
    /** Output file (default `<runDir>/export/model.onnx`). */
    path: z.string().min(1).nullable().default(null),
    foldBatchNorm: z.boolean().default(false),
  })
  .strict();

/** What the constructor accepts. */
export type ExportOnnxOptions = z.input<typeof exportOnnxSchema>;

/** Exports the run's model to ONNX when fit ends. */
export class ExportOnnx extends Callback {
  /** Reports only: in a data-parallel run, rank 0 alone runs it. */
  override get rankZeroOnly(): boolean {
    return true;
  }

  readonly options: z.output<typeof exportOnnxSchema>;
  /** The file written by the last export. */
  exported: string | null = null;

  constructor(options: ExportOnnxOptions = {}) {
    super();
    this.options = parseOptions('ExportOnnx', exportOnnxSchema, options);
  }

  override async onFitEnd(trainer: TrainerView): Promise<void> {
    if (!trainer.isGlobalZero) return;
    const out = this.options.path ?? path.join(trainer.runDir, 'export', 'model.onnx');
    const result = await exportCheckpoint(this.options.weights, {
      out,
      foldBatchNorm: this.options.foldBatchNorm,
      checkpointDir: path.join(trainer.runDir, 'checkpoints'),
      warn: (m) => trainer.print(m),
    });
    this.exported = out;
    trainer.print(
      `ExportOnnx: wrote ${out} from ${result.checkpoint}${result.usedEma ? ' (EMA weights)' : ''}, max |diff| vs libtorch ${result.onnx?.parity?.maxAbsDiff.toExponential(1) ?? 'n/a'}`,
    );
  }
}

register({
  group: 'callback',
  name: 'export_onnx',
  schema: exportOnnxSchema,
  build: (o: ExportOnnxOptions) => new ExportOnnx(o),
  description: 'exports best/last to ONNX at the end of fit',
});
