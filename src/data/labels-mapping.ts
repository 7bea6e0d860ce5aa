/**
 * `labels_mapping.json`: what a deployed model needs to turn logits back
 * into class names and to prepare its input the way training did. The
 * checkpoint and export code write it next to their outputs.
 *
 * @example
 * await writeLabelsMapping('outputs/run/export', {
 *   classes: dm.idxToClass, normalization: { mean: [0.286], std: [0.353] },
 *   inputSize: [1, 28, 28], resize: null, crop: null,
 * });
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../torch/serialization/atomic-write.js';
import type { Normalization } from './collate.js';

/** The file name written by `writeLabelsMapping`. */
export const LABELS_MAPPING_FILE = 'labels_mapping.json';

/** What goes into labels_mapping.json. */
export interface LabelsMappingOptions {
  /** Class names in index order. */
  classes: readonly string[];
  normalization: Normalization | null;
  /** The model's input [C, H, W]. */
  inputSize: readonly [number, number, number];
  /** Evaluation resize (shorter side, or [H, W]); null when none. */
  resize: number | readonly [number, number] | null;
  /** Evaluation center crop (side, or [H, W]); null when none. */
  crop: number | readonly [number, number] | null;
  /** The fitted temperature of temperature scaling (calibrated probabilities: softmax(logits / T)), when there is one. */
  temperature?: number;
  /** Multi-label models: the task and each class's decision threshold (absent: single-label). */
  task?: 'multilabel';
  thresholds?: readonly number[] | null;
}

/** The JSON object of labels_mapping.json. */
export interface LabelsMapping {
  numClasses: number;
  classToIdx: Record<string, number>;
  idxToClass: Record<string, string>;
  normalization: { mean: number[]; std: number[] } | null;
  inputSize: number[];
  resize: number | number[] | null;
  crop: number | number[] | null;
  /** Present only for a calibrated model. */
  temperature?: number;
  /** Present for multi-label models only: sigmoid outputs, a class predicted at or over its threshold. */
  task?: 'multilabel';
  thresholds?: number[] | null;
}

/**
 * The mapping object (without writing it).
 *
 * @example
 * labelsMapping({ classes: ['cat', 'dog'], normalization: null, inputSize: [3, 224, 224], resize: 256, crop: 224 }).idxToClass; // { '0': 'cat', '1': 'dog' }
 */
export function labelsMapping(options: LabelsMappingOptions): LabelsMapping {
  return {
    numClasses: options.classes.length,
    classToIdx: Object.fromEntries(options.classes.map((c, i) => [c, i])),
    idxToClass: Object.fromEntries(options.classes.map((c, i) => [String(i), c])),
    normalization: options.normalization === null ? null : { mean: [...options.normalization.mean], std: [...options.normalization.std] },
    inputSize: [...options.inputSize],
    resize: typeof options.resize === 'number' || options.resize === null ? options.resize : [...options.resize],
    crop: typeof options.crop === 'number' || options.crop === null ? options.crop : [...options.crop],
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.task === 'multilabel' ? { task: options.task, thresholds: options.thresholds ? [...options.thresholds] : null } : {}),
  };
}

/**
 * Writes `<dir>/labels_mapping.json` atomically (temp file, fsync, rename; see `writeFileAtomic`) and returns its path.
 *
 * @example
 * const file = await writeLabelsMapping(exportDir, dm.labelsMappingOptions());
 */
export async function writeLabelsMapping(dir: string, options: LabelsMappingOptions): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, LABELS_MAPPING_FILE);
  writeFileAtomic(file, Buffer.from(JSON.stringify(labelsMapping(options), null, 2) + '\n'), { what: 'labels mapping' });
  return file;
}
