/**
 * `exportOnnx`: writes a module as a self-describing ONNX model — built from
 * the module tree by the emitter table (no tracing), weights as fp32
 * initializers (external data past 2 GB), class names and preprocessing in
 * `metadata_props` — checks it against the module in onnxruntime-node at
 * batch sizes 1 and 3 (failing when logits differ by more than
 * 1e-4 x max(1, max |logit|)) and writes `labels_mapping.json`, all in a
 * staging folder beside the target (`ExportStaging`): only a checked export
 * is renamed into place, and a failed one leaves the previous export as it was.
 *
 * @example
 * await exportOnnx(module, {
 *   path: 'outputs/run/export/model.onnx',
 *   metadata: { classNames: ['cat', 'dog'], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
 *     inputSize: [3, 224, 224], resize: 256, crop: 224, modelName: 'resnet18', modelOptions: { numClasses: 2 },
 *     frameworkVersion: '0.1.0' },
 *   foldBatchNorm: true,
 * });
 */
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeLabelsMapping } from '../../data/labels-mapping.js';
import { ConfigError, SerializationError } from '../../errors.js';
import type { Module } from '../../torch/nn/index.js';
import { buildOnnxModel, OPSET } from './build-onnx-model.js';
import { checkOnnxParity } from './check-onnx-parity.js';
import { ExportStaging } from './export-staging.js';
import type { OnnxParityOptions, OnnxParityResult } from './check-onnx-parity.js';
import { labelsMappingOf, metadataProps } from './metadata.js';
import type { OnnxExportMetadata } from './metadata.js';
import { writeOnnxFile } from './write-onnx-file.js';

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  /** The .onnx file to write (its folder is created). */
  path: string;
  metadata: OnnxExportMetadata;
  /** The input [C, H, W]; default `metadata.inputSize` (they must agree). */
  inputShape?: readonly [number, number, number];
  /** Fold each BatchNorm into the Conv before it (default false). */
  foldBatchNorm?: boolean;
  /** Only 17 is written. */
  opset?: 17;
  /** The export-time parity check (default on, noise inputs); false skips it. */
  parity?: boolean | Omit<OnnxParityOptions, 'inputShape'>;
  /** Weights beyond this many bytes go to `<path>.data` (default just under 2 GB). */
  externalDataThresholdBytes?: number;
  /** Write labels_mapping.json beside the model (default true). */
  labelsMapping?: boolean;
}

/** What was written and measured. */
export interface ExportOnnxResult {
  path: string;
  dataPath: string | null;
  labelsMappingPath: string | null;
  parity: OnnxParityResult | null;
  nodeCount: number;
  initializerBytes: number;
}

function checkOptions(options: ExportOnnxOptions): readonly [number, number, number] {
  const { metadata } = options;
  const inputShape = options.inputShape ?? metadata.inputSize;
  if (options.opset !== undefined && options.opset !== OPSET) {
    throw new ConfigError(`exportOnnx: expected opset ${OPSET}, but got ${String(options.opset)}`);
  }
  const valid = (shape: readonly number[]): boolean => shape.length === 3 && shape.every((d) => Number.isInteger(d) && d > 0);
  if (!valid(inputShape))
    throw new ConfigError(`exportOnnx: expected inputShape [C, H, W] of positive integers, but got ${JSON.stringify(inputShape)}`);
  if (!valid(metadata.inputSize) || metadata.inputSize.some((d, i) => d !== inputShape[i])) {
    throw new ConfigError(
      `exportOnnx: expected metadata.inputSize equal to inputShape ${JSON.stringify(inputShape)}, but got ${JSON.stringify(metadata.inputSize)}`,
    );
  }
  if (metadata.classNames.length === 0)
    throw new ConfigError('exportOnnx: expected at least one class name in metadata.classNames, but got none');
  return inputShape;
}

/**
 * Exports `module` to ONNX with its metadata, checks parity, writes labels_mapping.json.
 *
 * @example
 * const { parity } = await exportOnnx(module, { path: 'model.onnx', metadata }); // parity.maxAbsDiff ~1e-6
 */
export async function exportOnnx(module: Module, options: ExportOnnxOptions): Promise<ExportOnnxResult> {
  const inputShape = checkOptions(options);
  const { metadata } = options;
  const built = buildOnnxModel(module, {
    inputShape,
    numClasses: metadata.classNames.length,
    name: metadata.modelName,
    foldBatchNorm: options.foldBatchNorm ?? false,
    producerVersion: metadata.frameworkVersion,
    metadataProps: metadataProps(metadata),
  });
  const staging = ExportStaging.create(options.path);
  try {
    const staged = writeOnnxFile(staging.file(basename(options.path)), built, {
      externalDataThresholdBytes: options.externalDataThresholdBytes,
    });
    let parity: OnnxParityResult | null = null;
    if (options.parity !== false) {
      parity = await checkOnnxParity(module, staged.path, { ...(options.parity === true ? {} : options.parity), inputShape }).catch(
        (error: unknown) => {
          // The staged file is gone once this returns: name the export the user asked for.
          if (!(error instanceof SerializationError)) throw error;
          throw new SerializationError(error.message.replaceAll(staged.path, options.path), { cause: error });
        },
      );
    }
    const labels = options.labelsMapping === false ? null : await writeLabelsMapping(staging.dir, labelsMappingOf(metadata));
    staging.commit([staged.dataPath, staged.path, labels].filter((f) => f !== null).map((f) => basename(f)));
    const dataPath = staged.dataPath === null ? null : `${options.path}.data`;
    // A previous export's external data would otherwise sit beside an inline model.
    if (dataPath === null) rmSync(`${options.path}.data`, { force: true });
    return {
      path: options.path,
      dataPath,
      labelsMappingPath: labels === null ? null : join(staging.folder, basename(labels)),
      parity,
      nodeCount: built.model.graph.node.length,
      initializerBytes: built.initializers.reduce((sum, init) => sum + init.data.byteLength, 0),
    };
  } finally {
    staging.remove();
  }
}
