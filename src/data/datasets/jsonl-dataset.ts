/**
 * JSONL annotations, as Roboflow exports image classification: every
 * `annotations.jsonl` under a split folder (searched recursively) holds one
 * `{"image": "<relative path>", "suffix": "<label>", ...}` per line. A
 * multi-label set gives each image a list instead (`"suffix": ["dog", "cat"]`,
 * or the same under `"labels"`; `[]`: no positives), read with `multiLabel`.
 * Image paths resolve against the folder of the file that names them and may
 * not leave the split folder. Classes are the train split's labels, sorted;
 * rows of other splits with a label train does not know are skipped and counted.
 *
 * @example
 * const train = await JsonlDataset.load({ root: 'data/roboflow', split: 'train' });
 * const val = await JsonlDataset.load({ root: 'data/roboflow', split: 'val', classes: train.classes });
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../../errors.js';
import { FileListDataset, firstLabels } from '../dataset.js';
import { classNameClashes } from './class-name-clashes.js';
import { checkRealPaths, decodeUtf8, resolveContained } from './contained-paths.js';
import { findSplitDir, SPLIT_FOLDERS } from './image-folder.js';
import type { SplitName } from './image-folder.js';
import { labelSetsOf } from './label-sets.js';
import { walkImages } from './walk-images.js';

/** The annotation file name looked for under each split. */
export const ANNOTATIONS_FILE = 'annotations.jsonl';

/** One parsed row: the absolute image path and its labels (one, unless the line gave a list). */
export interface JsonlRow {
  image: string;
  labels: string[];
  /** `file:line` of the row, for messages. */
  location: string;
}

/**
 * Parses every annotations.jsonl under `splitDir`; throws a DataError with
 * file:line for a malformed line or a path that escapes the split.
 *
 * @example
 * const rows = await readJsonlSplit('/data/rf/train');
 */
export async function readJsonlSplit(splitDir: string): Promise<JsonlRow[]> {
  const files = await walkImages(splitDir, { accept: (name) => name === ANNOTATIONS_FILE });
  const rows: JsonlRow[] = [];
  const component = 'JsonlDataset';
  const folderName = 'the split folder';
  for (const file of files) {
    // Windows editors often save UTF-8 with a byte-order mark, which JSON.parse rejects: the decoder drops it.
    const lines = decodeUtf8(await readFile(file), file, component).split(/\r?\n/);
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const location = `${file}:${i + 1}`;
      const row = parseLine(line, location);
      const image = resolveContained({ folder: splitDir, folderName, base: path.dirname(file), path: row.image, location, component });
      rows.push({ image, labels: row.labels, location });
    });
  }
  await checkRealPaths(rows, { folder: splitDir, folderName, component });
  return rows;
}

function parseLine(line: string, location: string): { image: string; labels: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (cause) {
    throw new DataError(`JsonlDataset: expected one JSON object per line, but got invalid JSON at ${location}`, { cause });
  }
  const record = value as { image?: unknown; suffix?: unknown } | null;
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new DataError(
      `JsonlDataset: expected a JSON object per line, but got ${Array.isArray(value) ? 'an array' : typeof value} at ${location}`,
    );
  }
  if (typeof record.image !== 'string' || record.image === '') {
    throw new DataError(`JsonlDataset: expected a non-empty string "image", but got ${JSON.stringify(record.image)} at ${location}`);
  }
  return { image: record.image, labels: labelsOf(record, location) };
}

/** The row's labels: `labels` if present, else `suffix`; a string (or number) or a list of them. */
function labelsOf(record: { suffix?: unknown; labels?: unknown }, location: string): string[] {
  const key = record.labels !== undefined ? 'labels' : 'suffix';
  const value = record[key];
  const one = (v: unknown): string | null => {
    const label = typeof v === 'number' ? String(v) : v;
    return typeof label === 'string' && label.trim() !== '' ? label.trim() : null;
  };
  const labels = Array.isArray(value) ? value.map(one) : [one(value)];
  if (labels.some((l) => l === null)) {
    throw new DataError(
      `JsonlDataset: expected "${key}" to be a non-empty string (the label) or a list of them, but got ${JSON.stringify(value)} at ${location}`,
    );
  }
  return [...new Set(labels as string[])];
}

/** Options for `JsonlDataset.load`. */
export interface JsonlDatasetOptions {
  root: string;
  split: SplitName;
  /** Class names in index order; default: the train split's labels, sorted. */
  classes?: readonly string[];
  /** Read label lists as multi-hot sets (default false: one label per line, a longer list is an error). */
  multiLabel?: boolean;
  /** Told how many rows were skipped for labels train does not know. */
  onWarning?: (message: string) => void;
}

/** One split of a JSONL-annotated data set. */
export class JsonlDataset extends FileListDataset {
  private constructor(
    classes: readonly string[],
    paths: string[],
    sets: number[][],
    multiLabel: boolean,
    /** Rows dropped because their label is not a train class. */
    readonly skippedUnknown: number,
  ) {
    super(paths, firstLabels(sets), classes, multiLabel ? sets : undefined);
  }

  /**
   * Reads one split's annotations (no image is opened).
   *
   * @example
   * const test = await JsonlDataset.load({ root, split: 'test', classes: train.classes, onWarning: log.warn });
   */
  static async load(options: JsonlDatasetOptions): Promise<JsonlDataset> {
    const splitDir = await requireSplit(options.root, options.split);
    const rows = await readJsonlSplit(splitDir);
    if (rows.length === 0) throw new DataError(`JsonlDataset: expected ${ANNOTATIONS_FILE} rows under ${splitDir}, but got none`);
    const multiLabel = options.multiLabel ?? false;
    const classes =
      options.classes ??
      (options.split === 'train' ? uniqueSorted(rows) : uniqueSorted(await readJsonlSplit(await requireSplit(options.root, 'train'))));
    if (options.split === 'train' && options.classes === undefined)
      for (const message of classNameClashes(classes, 'JsonlDataset', splitDir)) options.onWarning?.(message);
    const read = labelSetsOf(rows, { classes, multiLabel, component: 'JsonlDataset', unknown: 'skip' });
    if (read.skipped > 0) {
      const names = read.unknown
        .slice(0, 5)
        .map((l) => `'${l}'`)
        .join(', ');
      options.onWarning?.(
        `JsonlDataset: skipped ${read.skipped} row(s) of ${splitDir} with labels not in the train split (${names}${read.unknown.length > 5 ? ', ...' : ''})`,
      );
    }
    const paths = read.kept.map((i) => rows[i].image);
    return new JsonlDataset(classes, paths, read.sets, multiLabel, read.skipped);
  }
}

function uniqueSorted(rows: readonly JsonlRow[]): string[] {
  return [...new Set(rows.flatMap((r) => r.labels))].sort();
}

async function requireSplit(root: string, split: SplitName): Promise<string> {
  const dir = await findSplitDir(root, split);
  if (dir === null)
    throw new DataError(`JsonlDataset: expected a ${SPLIT_FOLDERS[split].join('/ or ')}/ folder under ${path.resolve(root)}, but got none`);
  return dir;
}
