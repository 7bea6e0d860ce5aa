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
import { z } from 'zod';
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
  /**
   * 'multilabel': the output is one sigmoid probability per label and a label is predicted at or over its
   * `thresholds` entry; absent (models exported before the task existed): 'multiclass', softmax over logits.
   */
  task?: 'multiclass' | 'multilabel';
  /** Multi-label only: each label's decision threshold, label order. */
  thresholds?: readonly number[] | null;
  /**
   * The temperature fitted on the validation split (temperature scaling): calibrated probabilities are
   * softmax(logits / temperature). Absent (or null) when the model was not calibrated; optional, so
   * models exported before it existed still read.
   */
  temperature?: number | null;
}

/** The fields every export writes. */
type RequiredField = Exclude<keyof OnnxExportMetadata, 'task' | 'thresholds' | 'temperature'>;

/** The `metadata_props` key of the optional temperature. */
export const TEMPERATURE_KEY = 'temperature';

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
} as const satisfies Record<RequiredField, string>;

/** The keys a model may lack (written only by exports that have them). */
export const optionalMetadataKeys = { task: 'task', thresholds: 'thresholds' } as const;

/** The largest input height and width a model may declare (a bound on what one image may allocate). */
export const MAX_INPUT_SIDE = 4096;

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
  for (const [field, key] of Object.entries(metadataKeys) as [RequiredField, string][]) {
    const value = metadata[field];
    entries.push({ key, value: typeof value === 'string' ? value : JSON.stringify(value) });
  }
  if (metadata.temperature !== undefined && metadata.temperature !== null)
    entries.push({ key: TEMPERATURE_KEY, value: JSON.stringify(metadata.temperature) });
  if (metadata.task === 'multilabel') {
    entries.push({ key: optionalMetadataKeys.task, value: metadata.task });
    entries.push({ key: optionalMetadataKeys.thresholds, value: JSON.stringify(metadata.thresholds ?? null) });
  }
  return entries;
}

const positiveInt = z.number().int().positive();
const size = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]).nullable();

/** What each value must be, in words for errors, and its check. */
const fieldChecks: Record<RequiredField | 'temperature', { expected: string; schema: z.ZodType }> = {
  classNames: { expected: 'a non-empty list of class names', schema: z.array(z.string()).min(1) },
  mean: { expected: 'null or a list of finite numbers', schema: z.array(z.number().finite()).nullable() },
  std: { expected: 'null or a list of finite numbers > 0', schema: z.array(z.number().finite().positive()).nullable() },
  inputSize: {
    expected: `[C, H, W] of positive integers, C at most 4 and H, W at most ${MAX_INPUT_SIDE}`,
    schema: z.tuple([positiveInt.max(4), positiveInt.max(MAX_INPUT_SIDE), positiveInt.max(MAX_INPUT_SIDE)]),
  },
  resize: { expected: 'null, a positive integer or [H, W]', schema: size },
  crop: { expected: 'null, a positive integer or [H, W]', schema: size },
  modelName: { expected: 'a model name', schema: z.string().min(1) },
  modelOptions: { expected: 'an object of options', schema: z.record(z.string(), z.unknown()) },
  frameworkVersion: { expected: 'a version', schema: z.string() },
  temperature: { expected: 'a finite number > 0', schema: z.number().finite().positive() },
};

function parseValue(field: keyof OnnxExportMetadata, key: string, value: string, source: string): unknown {
  if (field === 'modelName' || field === 'frameworkVersion') return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new SerializationError(`${source}: expected JSON in metadata_props '${key}', but got ${JSON.stringify(value)}`, {
      cause: error,
    });
  }
}

/** Refuses a normalisation that does not fit the input's channels (or would divide by zero: checked by the schema). */
function checkNormalization(out: OnnxExportMetadata, source: string): void {
  const channels = out.inputSize[0];
  if ((out.mean === null) !== (out.std === null)) {
    throw new SerializationError(
      `${source}: expected metadata_props 'mean' and 'std' both null or both lists, but got mean ${JSON.stringify(out.mean)} and std ${JSON.stringify(out.std)}`,
    );
  }
  for (const key of ['mean', 'std'] as const) {
    const values = out[key];
    if (values !== null && values.length !== channels) {
      throw new SerializationError(
        `${source}: expected metadata_props '${key}' to hold ${channels} values (one per input channel of input_size ${JSON.stringify(out.inputSize)}), but got ${JSON.stringify(values)}`,
      );
    }
  }
}

/** The task and thresholds, when the model names them: 'multilabel' needs one threshold in [0, 1] per class. */
function parseTask(
  byKey: ReadonlyMap<string, string>,
  numClasses: number,
  source: string,
): Pick<OnnxExportMetadata, 'task' | 'thresholds'> {
  const task = byKey.get(optionalMetadataKeys.task);
  if (task === undefined || task === 'multiclass') return {};
  if (task !== 'multilabel') {
    throw new SerializationError(
      `${source}: expected metadata_props 'task' to be 'multiclass' or 'multilabel', but got ${task.slice(0, 200)}`,
    );
  }
  const raw = byKey.get(optionalMetadataKeys.thresholds) ?? 'null';
  const parsed = parseValue('thresholds', optionalMetadataKeys.thresholds, raw, source);
  if (!z.array(z.number().min(0).max(1)).length(numClasses).safeParse(parsed).success) {
    throw new SerializationError(
      `${source}: expected metadata_props 'thresholds' to be ${numClasses} numbers in [0, 1] (one per class), but got ${raw.slice(0, 200)}`,
    );
  }
  return { task, thresholds: parsed as number[] };
}

/**
 * Reads the metadata back from `metadata_props`, failing by key on a missing
 * key, malformed JSON or a value of the wrong kind (a `std` with a 0, a
 * `mean` of the wrong length, ...).
 *
 * @example
 * parseOnnxMetadata(model.metadataProps).inputSize; // [3, 224, 224]
 */
export function parseOnnxMetadata(props: readonly OnnxStringEntry[], source = 'ONNX model'): OnnxExportMetadata {
  const byKey = new Map(props.map((e) => [e.key, e.value]));
  const out: Record<string, unknown> = {};
  const optional = byKey.has(TEMPERATURE_KEY) ? ([['temperature', TEMPERATURE_KEY]] as const) : [];
  for (const [field, key] of [...(Object.entries(metadataKeys) as [RequiredField, string][]), ...optional]) {
    const value = byKey.get(key);
    if (value === undefined) {
      throw new SerializationError(
        `${source}: expected metadata_props '${key}' (a model exported by ${PRODUCER_NAME}), but got keys ${JSON.stringify([...byKey.keys()])}`,
      );
    }
    const parsed = parseValue(field, key, value, source);
    if (!fieldChecks[field].schema.safeParse(parsed).success) {
      throw new SerializationError(
        `${source}: expected metadata_props '${key}' to be ${fieldChecks[field].expected}, but got ${value.slice(0, 200)}`,
      );
    }
    out[field] = parsed;
  }
  checkNormalization(out as unknown as OnnxExportMetadata, source);
  Object.assign(out, parseTask(byKey, (out.classNames as string[]).length, source));
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
  return {
    classes: metadata.classNames,
    normalization,
    inputSize: metadata.inputSize,
    resize: metadata.resize,
    crop: metadata.crop,
    ...(metadata.temperature == null ? {} : { temperature: metadata.temperature }),
    ...(metadata.task === 'multilabel' ? { task: metadata.task, thresholds: metadata.thresholds ?? null } : {}),
  };
}
