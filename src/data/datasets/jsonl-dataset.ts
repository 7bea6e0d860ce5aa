/**
 * JSONL annotations, as Roboflow exports image classification: every
 * `annotations.jsonl` under a split folder (searched recursively) holds one
 * `{"image": "<relative path>", "suffix": "<label>", ...}` per line. Image
 * paths resolve against the folder of the file that names them and may not
 * leave the split folder. Classes are the train split's labels, sorted; rows
 * of other splits whose label train does not know are skipped and counted.
 *
 * @example
 * const train = await JsonlDataset.load({ root: 'data/roboflow', split: 'train' });
 * const val = await JsonlDataset.load({ root: 'data/roboflow', split: 'val', classes: train.classes });
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../../errors.js';
import { mapLimit } from '../async-limiter.js';
import { FileListDataset } from '../dataset.js';
import { classNameClashes } from './class-name-clashes.js';
import { findSplitDir, SPLIT_FOLDERS } from './image-folder.js';
import type { SplitName } from './image-folder.js';
import { walkImages } from './walk-images.js';

/** The annotation file name looked for under each split. */
export const ANNOTATIONS_FILE = 'annotations.jsonl';

/** One parsed row: the absolute image path and its label. */
export interface JsonlRow {
  image: string;
  label: string;
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
  const rootWithSep = splitDir.endsWith(path.sep) ? splitDir : splitDir + path.sep;
  for (const file of files) {
    // Windows editors often save UTF-8 with a byte-order mark, which JSON.parse rejects: the decoder drops it.
    const lines = decodeLines(await readFile(file), file);
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const location = `${file}:${i + 1}`;
      const row = parseLine(line, location);
      const image = path.resolve(path.dirname(file), row.image);
      if (!image.startsWith(rootWithSep)) throw outside(splitDir, row.image, location);
      rows.push({ image, label: row.label, location });
    });
  }
  await checkRealPaths(rows, splitDir);
  return rows;
}

function outside(splitDir: string, image: string, location: string): DataError {
  return new DataError(`JsonlDataset: expected image paths inside the split folder ${splitDir}, but got '${image}' at ${location}`);
}

/** The file's lines; bytes that are not UTF-8 are an error naming file:line (they would merge labels silently). */
function decodeLines(bytes: Buffer, file: string): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  try {
    return decoder.decode(bytes).split(/\r?\n/);
  } catch {
    let start = 0;
    for (let line = 1; ; line++) {
      const end = bytes.indexOf(0x0a, start);
      try {
        decoder.decode(bytes.subarray(start, end < 0 ? bytes.length : end));
      } catch (cause) {
        throw new DataError(`JsonlDataset: expected UTF-8 text, but got bytes that are not UTF-8 at ${file}:${line}`, { cause });
      }
      start = end + 1;
    }
  }
}

/**
 * The lexical check cannot see symbolic links: a link inside the split may
 * point anywhere. Every image that exists must really lie inside the split's
 * real folder (a missing one is reported when it is read).
 */
async function checkRealPaths(rows: readonly JsonlRow[], splitDir: string): Promise<void> {
  const realRoot = await realpath(splitDir);
  const rootWithSep = realRoot.endsWith(path.sep) ? realRoot : realRoot + path.sep;
  await mapLimit(rows, 32, async (row) => {
    const real = await realpath(row.image).catch(() => null);
    if (real !== null && !real.startsWith(rootWithSep)) {
      throw new DataError(
        `JsonlDataset: expected image paths inside the split folder ${splitDir}, but got ${row.image}, a link to ${real}, at ${row.location}`,
      );
    }
  });
}

function parseLine(line: string, location: string): { image: string; label: string } {
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
  const label = typeof record.suffix === 'number' ? String(record.suffix) : record.suffix;
  if (typeof label !== 'string' || label.trim() === '') {
    throw new DataError(
      `JsonlDataset: expected a non-empty string "suffix" (the label), but got ${JSON.stringify(record.suffix)} at ${location}`,
    );
  }
  return { image: record.image, label: label.trim() };
}

/** Options for `JsonlDataset.load`. */
export interface JsonlDatasetOptions {
  root: string;
  split: SplitName;
  /** Class names in index order; default: the train split's labels, sorted. */
  classes?: readonly string[];
  /** Told how many rows were skipped for labels train does not know. */
  onWarning?: (message: string) => void;
}

/** One split of a JSONL-annotated data set. */
export class JsonlDataset extends FileListDataset {
  private constructor(
    classes: readonly string[],
    paths: string[],
    targets: Int32Array,
    /** Rows dropped because their label is not a train class. */
    readonly skippedUnknown: number,
  ) {
    super(paths, targets, classes);
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
    const classes =
      options.classes ??
      (options.split === 'train' ? uniqueSorted(rows) : uniqueSorted(await readJsonlSplit(await requireSplit(options.root, 'train'))));
    if (options.split === 'train' && options.classes === undefined)
      for (const message of classNameClashes(classes, 'JsonlDataset', splitDir)) options.onWarning?.(message);
    const index = new Map(classes.map((c, i) => [c, i]));
    const paths: string[] = [];
    const targets: number[] = [];
    let skipped = 0;
    const unknown = new Set<string>();
    for (const row of rows) {
      const idx = index.get(row.label);
      if (idx === undefined) {
        skipped++;
        unknown.add(row.label);
        continue;
      }
      paths.push(row.image);
      targets.push(idx);
    }
    if (skipped > 0) {
      const names = [...unknown]
        .slice(0, 5)
        .map((l) => `'${l}'`)
        .join(', ');
      options.onWarning?.(
        `JsonlDataset: skipped ${skipped} row(s) of ${splitDir} with labels not in the train split (${names}${unknown.size > 5 ? ', ...' : ''})`,
      );
    }
    return new JsonlDataset(classes, paths, Int32Array.from(targets), skipped);
  }
}

function uniqueSorted(rows: readonly JsonlRow[]): string[] {
  return [...new Set(rows.map((r) => r.label))].sort();
}

async function requireSplit(root: string, split: SplitName): Promise<string> {
  const dir = await findSplitDir(root, split);
  if (dir === null)
    throw new DataError(`JsonlDataset: expected a ${SPLIT_FOLDERS[split].join('/ or ')}/ folder under ${path.resolve(root)}, but got none`);
  return dir;
}
