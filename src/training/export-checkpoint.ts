/**
 * Export from a checkpoint: rebuilds the model from the checkpoint alone
 * (the backbone's registry name and options, the module's hparams), loads the
 * EMA weights when the run used EMA (else the trained weights), and writes a
 * self-describing ONNX model (class names and preprocessing from the
 * checkpoint's labels mapping) with its parity check, or torchvision-named
 * safetensors for PyTorch. Used by the `ExportOnnx` callback and the
 * `export` command.
 *
 * @example
 * await exportCheckpoint('outputs/run/checkpoints/best.ckpt', { out: 'outputs/run/export/model.onnx' });
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, fsReason, SerializationError } from '../errors.js';
import { exportOnnx, exportTorchvisionWeights } from '../export/index.js';
import type { ExportOnnxResult } from '../export/index.js';
import { registry } from '../registry.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { disposeCheckpoint, resolveCheckpoint } from './checkpoint/checkpoint-connector.js';
import { statesOfKind } from './checkpoint/callback-states.js';
import type { Checkpoint, ModelInfo } from './checkpoint/checkpoint.js';
import type { TrainableModule } from './trainable-module.js';

/** Options of `exportCheckpoint`. */
export interface ExportCheckpointOptions {
  /** The file to write (.onnx, or .safetensors with `format: 'safetensors'`). */
  out: string;
  format?: 'onnx' | 'safetensors';
  /** Fold BatchNorm into the convolutions (ONNX). */
  foldBatchNorm?: boolean;
  /** Use the trained weights even when the run kept EMA weights. */
  ignoreEma?: boolean;
  /** The folder 'best' and 'last' are looked up in (default: the checkpoint's own folder). */
  checkpointDir?: string;
  warn?: (message: string) => void;
}

/** The tensor whose shape gives a count, and where the count is in it. */
const shapeSources = {
  numClasses: { names: ['backbone.fc.weight', 'fc.weight'], rank: 2, axis: 0, what: 'the rows of a Linear weight' },
  inChannels: { names: ['backbone.conv1.weight', 'conv1.weight'], rank: 4, axis: 1, what: 'the input channels of a Conv2d weight' },
} as const;

/**
 * The count (`numClasses`, `inChannels`) the checkpoint's own tensors hold: a
 * metadata number is never trusted to size an allocation (numClasses 1e9
 * would ask for terabytes), only checked against them. Models whose head and
 * stem have other names keep the metadata's number when some tensor of the
 * same kind carries it.
 */
function countFromTensors(
  checkpoint: Checkpoint,
  file: string,
  key: keyof typeof shapeSources,
  claims: [string, unknown][],
): number | null {
  const source = shapeSources[key];
  const named = source.names.map((n) => checkpoint.model[n]).find((t) => t !== undefined && t.ndim === source.rank);
  const claimed = claims.filter(([, v]) => v !== undefined && v !== null);
  const fromTensor = named?.shape[source.axis];
  const possible = new Set(
    Object.values(checkpoint.model)
      .filter((t) => t.ndim === source.rank)
      .map((t) => t.shape[source.axis]),
  );
  for (const [where, value] of claimed) {
    if (fromTensor === undefined ? !possible.has(value as number) : value !== fromTensor) {
      const expected = fromTensor === undefined ? `one of ${source.what}` : `${fromTensor} (${source.what} ${source.names[0]})`;
      throw new SerializationError(`export: expected ${where} in ${file} to be ${expected}, but got ${JSON.stringify(value)}`);
    }
  }
  return fromTensor ?? (claimed[0]?.[1] as number | undefined) ?? null;
}

/** The class count and input channels the backbone's tensors hold: the arguments its recorded options are built with. */
function checkedModelSizes(checkpoint: Checkpoint, info: ModelInfo, file: string): Record<string, unknown> {
  const mapping = checkpoint.labelsMapping as { classes?: string[]; inputSize?: number[] } | null;
  const numClasses = countFromTensors(checkpoint, file, 'numClasses', [
    ['modelInfo.options.numClasses', info.options.numClasses],
    ['hparams.numClasses', checkpoint.hparams.numClasses],
    ['the number of classes', checkpoint.classes?.length],
    ['the number of labelsMapping.classes', mapping?.classes?.length],
  ]);
  const inChannels = countFromTensors(checkpoint, file, 'inChannels', [
    ['modelInfo.options.inChannels', info.options.inChannels],
    ['labelsMapping.inputSize[0]', mapping?.inputSize?.[0]],
  ]);
  return {
    ...(numClasses === null ? {} : { numClasses }),
    ...(inChannels === null || info.options.inChannels === undefined ? {} : { inChannels }),
  };
}

/** The module a checkpoint describes, with its weights (EMA's when there are any and not ignored). */
export function moduleFromCheckpoint(
  checkpoint: Checkpoint,
  options: { ignoreEma?: boolean; file?: string } = {},
): { module: TrainableModule; usedEma: boolean } {
  const info = checkpoint.modelInfo;
  if (info === null) {
    throw new SerializationError(
      'export: expected the checkpoint to name its model (modelInfo), but it has none; models built outside the registry export with exportOnnx(module, ...) from code',
    );
  }
  const sizes = checkedModelSizes(checkpoint, info, options.file ?? 'the checkpoint');
  const backbone = registry.build<Module>('model', { ...info.options, name: info.name }, sizes);
  let module: TrainableModule;
  try {
    // The module wrapping the backbone is built by name too, so this file knows no module class.
    // A module records its registry name in its hparams when it is not the default ('multilabel').
    const { module: name = 'classification' } = checkpoint.hparams as { module?: string };
    module = registry.build<TrainableModule>('module', name, { ...checkpoint.hparams, backbone });
  } catch (error) {
    backbone.dispose();
    throw error;
  }
  try {
    const ema = statesOfKind(checkpoint.callbacks, 'EMA')[0]?.[1] as { names?: string[]; shadow?: Tensor[] } | undefined;
    const usedEma = !options.ignoreEma && ema?.names !== undefined && ema.shadow !== undefined;
    const weights = usedEma ? Object.fromEntries(ema.names!.map((n, i) => [n, ema.shadow![i]])) : checkpoint.model;
    module.loadStateDict(weights);
    module.eval();
    return { module, usedEma };
  } catch (error) {
    module.dispose();
    throw error;
  }
}

/**
 * Exports a checkpoint ('best', 'last' or a path) to ONNX or PyTorch weights.
 *
 * @example
 * const result = await exportCheckpoint('best', { out: 'model.onnx', checkpointDir: 'outputs/run/checkpoints', foldBatchNorm: true });
 */
export async function exportCheckpoint(
  ckptPath: string,
  options: ExportCheckpointOptions,
): Promise<{ checkpoint: string; usedEma: boolean; onnx: ExportOnnxResult | null }> {
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const dir = options.checkpointDir ?? (/^(best|last)$|^best:/.test(ckptPath) ? '.' : path.dirname(ckptPath));
  const { path: file, checkpoint } = resolveCheckpoint(ckptPath, dir, warn);
  let module: TrainableModule | null = null;
  try {
    const built = moduleFromCheckpoint(checkpoint, { ...options, file });
    module = built.module;
    if ((options.format ?? 'onnx') === 'safetensors') {
      try {
        mkdirSync(path.dirname(options.out), { recursive: true });
      } catch (error) {
        throw new SerializationError(`export: expected to create the folder ${path.dirname(options.out)}, but got ${fsReason(error)}`, {
          cause: error,
        });
      }
      exportTorchvisionWeights(module, options.out);
      return { checkpoint: file, usedEma: built.usedEma, onnx: null };
    }
    const mapping = checkpoint.labelsMapping as {
      classes?: string[];
      normalization?: { mean: number[]; std: number[] } | null;
      inputSize?: [number, number, number];
      resize?: number | [number, number] | null;
      crop?: number | [number, number] | null;
    } | null;
    if (mapping?.inputSize === undefined) {
      throw new ConfigError(`export: expected ${file} to record the model's input size (labels mapping), but it does not`);
    }
    const info = checkpoint.modelInfo!;
    const onnx = await exportOnnx(module.exportModule ?? module, {
      path: options.out,
      foldBatchNorm: options.foldBatchNorm ?? false,
      metadata: {
        classNames: checkpoint.classes ?? mapping.classes ?? [],
        mean: mapping.normalization?.mean ?? null,
        std: mapping.normalization?.std ?? null,
        inputSize: mapping.inputSize,
        resize: mapping.resize ?? null,
        crop: mapping.crop ?? null,
        modelName: info.name,
        modelOptions: info.options,
        frameworkVersion: checkpoint.version,
        temperature: checkpoint.calibration?.temperature ?? null,
        ...module.exportMetadata,
      },
    });
    return { checkpoint: file, usedEma: built.usedEma, onnx };
  } finally {
    module?.dispose();
    disposeCheckpoint(checkpoint);
  }
}
