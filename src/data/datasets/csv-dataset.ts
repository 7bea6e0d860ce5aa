/**
 * CSV manifests: a data folder holds `train.csv` and optionally `val.csv`
 * (or `valid.csv`) and `test.csv`, each with a header naming a `path`
 * column and a `label` column (one class per image) or a `labels` column
 * (several, joined by a separator, `|` by default: `dog|cat`; an empty cell
 * is an image with no positives in a multi-label run). Other columns are
 * ignored. Fields follow RFC 4180 (quotes for commas in paths). Paths are
 * relative to the manifest's folder and may not leave it; every image must
 * exist. Classes are train's labels, sorted; a val/test label train does not
 * know is an error, as are a malformed record and a bad path, each naming
 * `file:line`.
 *
 * @example
 * const train = await CsvDataset.load({ root: 'data/products', split: 'train', multiLabel: true });
 * const test = await CsvDataset.load({ root: 'data/products', split: 'test', classes: train.classes, multiLabel: true });
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataError, fsReason } from '../../errors.js';
import { FileListDataset, firstLabels } from '../dataset.js';
import { classNameClashes } from './class-name-clashes.js';
import { checkRealPaths, decodeUtf8, resolveContained } from './contained-paths.js';
import { csvRecords } from './csv-records.js';
import type { SplitName } from './image-folder.js';
import { labelSetsOf } from './label-sets.js';

/** Manifest names tried for each split, in order. */
export const CSV_MANIFESTS: Readonly<Record<SplitName, readonly string[]>> = {
  train: ['train.csv'],
  val: ['val.csv', 'valid.csv'],
  test: ['test.csv'],
};

const component = 'CsvDataset';

/**
 * The manifest of a split under `root`, or null when there is none.
 *
 * @example
 * await findManifest('data/products', 'val'); // '/abs/data/products/valid.csv'
 */
export async function findManifest(root: string, split: SplitName): Promise<string | null> {
  for (const name of CSV_MANIFESTS[split]) {
    const file = path.resolve(root, name);
    if ((await stat(file).catch(() => null))?.isFile()) return file;
  }
  return null;
}

/** One record of a manifest: the absolute image path, its label names and its `file:line`. */
export interface CsvRow {
  image: string;
  labels: string[];
  location: string;
}

/**
 * Reads a manifest's rows (no image is opened; each is checked to exist).
 *
 * @example
 * const rows = await readCsvManifest('/data/products/train.csv', { separator: ';' });
 */
export async function readCsvManifest(file: string, options: { separator?: string } = {}): Promise<CsvRow[]> {
  const bytes = await readFile(file).catch((cause: unknown) => {
    throw new DataError(`${component}: expected a readable manifest at ${file}, but got ${fsReason(cause)}`, { cause });
  });
  const [header, ...records] = csvRecords(decodeUtf8(bytes, file, component), file, component);
  if (header === undefined)
    throw new DataError(`${component}: expected a header line (path,label or path,labels), but got an empty file at ${file}`);
  const columns = columnsOf(header.fields, `${file}:${header.line}`);
  const folder = path.dirname(path.resolve(file));
  const separator = options.separator ?? '|';
  const rows = records.map(({ fields, line }): CsvRow => {
    const location = `${file}:${line}`;
    if (fields.length !== header.fields.length)
      throw new DataError(
        `${component}: expected ${header.fields.length} fields as the header has, but got ${fields.length} at ${location}`,
      );
    const written = fields[columns.path].trim();
    if (written === '') throw new DataError(`${component}: expected a non-empty path, but got an empty field at ${location}`);
    const image = resolveContained({ folder, folderName: "the manifest's folder", base: folder, path: written, location, component });
    const cell = fields[columns.label];
    const names = columns.list ? cell.split(separator) : [cell];
    return { image, labels: [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))], location };
  });
  await checkRealPaths(rows, { folder, folderName: "the manifest's folder", component, requireExisting: true });
  return rows;
}

/** Where the path and label(s) are; `list` for a `labels` column. */
function columnsOf(names: readonly string[], location: string): { path: number; label: number; list: boolean } {
  const trimmed = names.map((n) => n.trim());
  const pathAt = trimmed.indexOf('path');
  const labelAt = trimmed.indexOf('label');
  const labelsAt = trimmed.indexOf('labels');
  if (pathAt < 0 || labelAt < 0 === labelsAt < 0) {
    throw new DataError(
      `${component}: expected a header with a path column and either a label or a labels column, but got '${names.join(',')}' at ${location}`,
    );
  }
  return { path: pathAt, label: labelAt >= 0 ? labelAt : labelsAt, list: labelsAt >= 0 };
}

/** Options for `CsvDataset.load`. */
export interface CsvDatasetOptions {
  /** The folder holding train.csv (and val.csv / valid.csv, test.csv). */
  root: string;
  split: SplitName;
  /** Class names in index order; default: the train manifest's labels, sorted. A label outside them is an error. */
  classes?: readonly string[];
  /** Several labels per image (multi-hot sets); default false: one label per image. */
  multiLabel?: boolean;
  /** Between the labels of a `labels` cell (default '|'). */
  separator?: string;
  /** Told about class names that differ only in case or spacing. */
  onWarning?: (message: string) => void;
}

/** One split of a data set listed in CSV manifests. */
export class CsvDataset extends FileListDataset {
  /** The manifest read. */
  readonly manifest: string;

  private constructor(manifest: string, classes: readonly string[], paths: string[], sets: number[][], multiLabel: boolean) {
    super(paths, firstLabels(sets), classes, multiLabel ? sets : undefined);
    this.manifest = manifest;
  }

  /**
   * Reads one split's manifest.
   *
   * @example
   * const val = await CsvDataset.load({ root, split: 'val', classes: train.classes });
   */
  static async load(options: CsvDatasetOptions): Promise<CsvDataset> {
    const manifest = await requireManifest(options.root, options.split);
    const rows = await readCsvManifest(manifest, options);
    if (rows.length === 0) throw new DataError(`${component}: expected rows below the header of ${manifest}, but got none`);
    const multiLabel = options.multiLabel ?? false;
    let classes = options.classes;
    if (classes === undefined) {
      const trainRows = options.split === 'train' ? rows : await readCsvManifest(await requireManifest(options.root, 'train'), options);
      classes = [...new Set(trainRows.flatMap((r) => r.labels))].sort();
      if (options.split === 'train') for (const message of classNameClashes(classes, component, manifest)) options.onWarning?.(message);
    }
    const { sets } = labelSetsOf(rows, { classes, multiLabel, component, unknown: 'fail' });
    return new CsvDataset(
      manifest,
      classes,
      rows.map((r) => r.image),
      sets,
      multiLabel,
    );
  }
}

async function requireManifest(root: string, split: SplitName): Promise<string> {
  const file = await findManifest(root, split);
  if (file === null)
    throw new DataError(`${component}: expected ${CSV_MANIFESTS[split].join(' or ')} under ${path.resolve(root)}, but got none`);
  return file;
}
