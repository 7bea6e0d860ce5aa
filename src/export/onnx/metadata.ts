/**
 * What makes an exported ONNX model self-describing: the class names in
 * order, the normalisation, the input size, the evaluation resize and crop,
 * the model's registry name and options, and the framework's version, as
 * `metadata_props` (JSON values under snake_case keys), so a predictor can
 * rebuild evaluation's preprocessing from the model file alone.
 *
 * @example
 * const meta = parseOnnxMetadata(decodeOnnxModel(readFileSync('model.onnx')).metadataProps);
 * meta.classNames; // ['cat', 'dog']
 */
import { SerializationError } from '../../errors.js';
import type { LabelsMappingOptions } from '../../data/labels-mapping.js';
import type { OnnxStringEntry } from './onnx-proto.js';

/** The model's own description, written into `metadata_props` and labels_mapping.json. */
export interface OnnxExportMetadata {
  /** Class names in index order (their count is the model's number of outputs). */
  classNames: readonly string[];
  /** Per-channel normalisation, or null for none. */
  mean: readonly number[] | null;
  std: readonly number[] | null;
  /** The model's input [C, H, W]. */
  inputSize: readonly [number, number, number];
  /** Evaluation resize (shorter side, or [H, W]); null when none. */
  resize: number | readonly [number, number] | null;
  /** Evaluation center crop (side, or [H, W]); null when none. */
  crop: number | readonly [number, number] | null;
  /** The backbone's registry name ('resnet18') and its options. */
  modelName: string;
  modelOptions: Record<string, unknown>;
  frameworkVersion: string;
}

/** The `metadata_props` key of each field, and the producer's name. */
export const metadataKeys = {
  classNames: 'class_names',
  mean: 'mean',
  std: 'std',
  inputSize: 'input_size',
  resize: 'resize',
  crop: 'crop',
  modelName: 'model_name',
  modelOptions: 'model_options',
  frameworkVersion: 'framework_version',
} as const satisfies Record<keyof OnnxExportMetadata, string>;

/** The framework that wrote the model (ModelProto.producer_name and metadata key `framework`). */
export const PRODUCER_NAME = 'classifier-training';

/**
 * The metadata as `metadata_props` entries.
 *
 * @example
 * metadataProps(meta).find((e) => e.key === 'class_names')?.value; // '["cat","dog"]'
 */
export function metadataProps(metadata: OnnxExportMetadata): OnnxStringEntry[] {
  const entries: OnnxStringEntry[] = [{ key: 'framework', value: PRODUCER_NAME }];
  for (const [field, key] of Object.entries(metadataKeys) as [keyof OnnxExportMetadata, string][]) {
    const value = metadata[field];
    entries.push({ key, value: typeof value === 'string' ? value : JSON.stringify(value) });
  }
  return entries;
}

/**
 * Reads the metadata back from `metadata_props`, failing on a missing key or malformed JSON.
 *
 * @example
 * parseOnnxMetadata(model.metadataProps).inputSize; // [3, 224, 224]
 */
export function parseOnnxMetadata(props: readonly OnnxStringEntry[], source = 'ONNX model'): OnnxExportMetadata {
  const byKey = new Map(props.map((e) => [e.key, e.value]));
  const out: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(metadataKeys)) {
    const value = byKey.get(key);
    if (value === undefined) {
      throw new SerializationError(
        `${source}: expected metadata_props '${key}' (a model exported by ${PRODUCER_NAME}), but got keys ${JSON.stringify([...byKey.keys()])}`,
      );
    }
    if (field === 'modelName' || field === 'frameworkVersion') out[field] = value;
    else {
      try {
        out[field] = JSON.parse(value);
      } catch (error) {
        throw new SerializationError(`${source}: expected JSON in metadata_props '${key}', but got ${JSON.stringify(value)}`, {
          cause: error,
        });
      }
    }
  }
  return out as unknown as OnnxExportMetadata;
}

/**
 * What labels_mapping.json holds for this metadata (see `writeLabelsMapping`).
 *
 * @example
 * await writeLabelsMapping(dirname(path), labelsMappingOf(meta));
 */
export function labelsMappingOf(metadata: OnnxExportMetadata): LabelsMappingOptions {
  const normalization = metadata.mean === null || metadata.std === null ? null : { mean: metadata.mean, std: metadata.std };
  return { classes: metadata.classNames, normalization, inputSize: metadata.inputSize, resize: metadata.resize, crop: metadata.crop };
}
