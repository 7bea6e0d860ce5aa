/**
 * Looks a data set over before training and reports what would hurt it:
 * unreadable images, empty classes, classes missing from a split, files
 * duplicated across splits (same bytes, by sha256: a test image that is
 * also a train image inflates accuracy), images outside any class folder,
 * what training itself would refuse, and the per-class counts of every
 * split (multi-label data: images per label, so a split's counts may sum to
 * more than its images). `classifier-training data check` prints it.
 *
 * @example
 * const report = await dataCheck('data/pets', { concurrency: 8 });
 * if (report.problems > 0) process.exitCode = 1;
 */
import path from 'node:path';
import { ConfigError, DataError } from '../errors.js';
import { classCounts } from './class-stats.js';
import { CsvDataset, findManifest, readCsvManifest } from './datasets/csv-dataset.js';
import { IdxDataset } from './datasets/idx-dataset.js';
import { findSplitDir, ImageFolder, scanSplitFolder } from './datasets/image-folder.js';
import type { SplitName } from './datasets/image-folder.js';
import { JsonlDataset, readJsonlSplit } from './datasets/jsonl-dataset.js';
import { MosaicDataset } from './datasets/mosaic-dataset.js';
import { inspectFiles } from './inspect-files.js';
import { detectFormat } from './split-loader.js';

type Format = 'folder' | 'jsonl' | 'idx' | 'csv' | 'mosaic';
type Listed = 'folder' | 'jsonl' | 'csv';

/** Options for `dataCheck`. */
export interface DataCheckOptions {
  /** Default: detected from the folder (mosaics are never detected: name them). */
  format?: 'auto' | Format;
  /** CSV manifests: the separator of a `labels` cell (default '|'). */
  labelSeparator?: string;
  /** Decode every image to find unreadable ones (default true; false only hashes). */
  decode?: boolean;
  /** Files read at once (default 8). */
  concurrency?: number;
  /** Told about symbolic-link loops and the like. */
  onWarning?: (message: string) => void;
}

/** What `dataCheck` found. */
export interface DataCheckReport {
  root: string;
  format: Format;
  /** Some image has other than one label (a list in JSONL or CSV; mosaics): checked as a multi-label set. Absent: false. */
  multiLabel?: boolean;
  /** Splits found, in train, val, test order. */
  splits: SplitName[];
  /** Every class seen in any split: train's first (sorted), then the others'. */
  classes: string[];
  /** counts[split][class]. */
  counts: Record<string, Record<string, number>>;
  /** Class folders with no image. */
  emptyClasses: { split: SplitName; className: string }[];
  /** A train class absent from another split, or a class of another split absent from train. */
  missingClasses: { split: SplitName; className: string }[];
  unreadable: { path: string; reason: string }[];
  /** Groups of byte-identical files that sit in more than one split. */
  duplicates: { sha256: string; paths: string[] }[];
  /** Images directly under a split folder, outside any class folder (training ignores them). */
  strayFiles: string[];
  /** What training would refuse, split by split, in training's own words (an empty split, an unreadable folder, ...). */
  trainingErrors: { split: SplitName; reason: string }[];
  /** The one class of a data set that has only one (a classifier needs two), or null. */
  singleClass: string | null;
  /** Number of findings above that deserve attention (empty, missing, unreadable, duplicates, stray, training errors, single class). */
  problems: number;
}

const SPLITS: SplitName[] = ['train', 'val', 'test'];

/** What the listing found beside the files: stray images, what training refuses, label lists. */
interface Found {
  stray: string[];
  errors: DataCheckReport['trainingErrors'];
  multiLabel: boolean;
  separator: string;
}

/** Lists files per split and class (nothing is decoded here). */
async function listSplits(
  root: string,
  format: Listed,
  found: Found,
  onWarning?: (m: string) => void,
): Promise<Map<SplitName, Map<string, string[]>>> {
  const out = new Map<SplitName, Map<string, string[]>>();
  for (const split of SPLITS) {
    const source = format === 'csv' ? await findManifest(root, split) : await findSplitDir(root, split);
    if (source === null) continue;
    try {
      out.set(split, await listSplit(source, format, found, onWarning));
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      found.errors.push({ split, reason: error.message });
    }
  }
  return out;
}

async function listSplit(source: string, format: Listed, found: Found, onWarning?: (m: string) => void): Promise<Map<string, string[]>> {
  if (format === 'folder') {
    return scanSplitFolder(source, {
      onLoop: (p) => onWarning?.(`data check: symbolic-link loop at ${p} not followed`),
      onStray: (f) => found.stray.push(f),
    });
  }
  const rows = format === 'csv' ? await readCsvManifest(source, { separator: found.separator }) : await readJsonlSplit(source);
  const byClass = new Map<string, string[]>();
  for (const row of rows) {
    if (row.labels.length !== 1) found.multiLabel = true;
    // A multi-label row counts under each of its labels.
    for (const label of row.labels) {
      const list = byClass.get(label);
      if (list === undefined) byClass.set(label, [row.image]);
      else list.push(row.image);
    }
  }
  return new Map([...byClass].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** Loads each listed split as training does, so data check refuses exactly what training refuses. */
async function trainingRules(root: string, format: Listed, splits: SplitName[], found: Found): Promise<void> {
  const { errors, multiLabel, separator } = found;
  for (const split of splits) {
    try {
      if (format === 'folder') await ImageFolder.load({ root, split });
      else if (format === 'jsonl') await JsonlDataset.load({ root, split, multiLabel });
      else await CsvDataset.load({ root, split, multiLabel, separator });
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      if (!errors.some((e) => e.reason === error.message)) errors.push({ split, reason: error.message });
    }
  }
}

/**
 * Checks a data folder (image folder, JSONL or CSV; IDX and mosaics get counts only).
 *
 * @example
 * const report = await dataCheck('data/pets');
 * if (report.problems > 0) process.exitCode = 1;
 */
export async function dataCheck(root: string, options: DataCheckOptions = {}): Promise<DataCheckReport> {
  checkOptions(options);
  const format = options.format === undefined || options.format === 'auto' ? await detectFormat(root) : options.format;
  if (format === 'idx' || format === 'mosaic') return idxCheck(root, format);
  const found: Found = { stray: [], errors: [], multiLabel: false, separator: options.labelSeparator ?? '|' };
  const { stray: strayFiles, errors: trainingErrors } = found;
  const listing = await listSplits(root, format, found, options.onWarning);
  if (!listing.has('train') && !trainingErrors.some((e) => e.split === 'train'))
    throw new DataError(
      `data check: expected ${format === 'csv' ? 'a train.csv manifest' : 'a train/ folder'} under ${path.resolve(root)}, but got none`,
    );
  const splits = [...listing.keys()];
  const trainClasses = [...(listing.get('train')?.keys() ?? [])];
  const classes = [
    ...new Set([
      ...trainClasses,
      ...splits.flatMap((s) => [...(listing.get(s)?.keys() ?? [])].filter((c) => !trainClasses.includes(c)).sort()),
    ]),
  ];
  const counts: DataCheckReport['counts'] = {};
  const emptyClasses: DataCheckReport['emptyClasses'] = [];
  const missingClasses: DataCheckReport['missingClasses'] = [];
  for (const split of splits) {
    const byClass = listing.get(split) ?? new Map<string, string[]>();
    counts[split] = Object.fromEntries(classes.map((c) => [c, byClass.get(c)?.length ?? 0]));
    for (const [className, files] of byClass) if (files.length === 0) emptyClasses.push({ split, className });
  }
  const trainCount = (c: string): number => listing.get('train')?.get(c)?.length ?? 0;
  for (const split of splits.filter((s) => s !== 'train')) {
    const byClass = listing.get(split) ?? new Map<string, string[]>();
    for (const className of classes) {
      const here = byClass.get(className)?.length ?? 0;
      if (trainCount(className) > 0 && here === 0 && !byClass.has(className)) missingClasses.push({ split, className });
      if (trainCount(className) === 0 && here > 0) missingClasses.push({ split: 'train', className });
    }
  }
  await trainingRules(root, format, splits, found);
  const singleClass = classes.length === 1 ? classes[0] : null;
  // A multi-label image is listed under each of its labels: inspected once.
  const files = splits.flatMap((split) => [...new Set([...(listing.get(split)?.values() ?? [])].flat())].map((file) => ({ split, file })));
  const { unreadable, duplicates } = await inspectFiles(files, { decode: options.decode, concurrency: options.concurrency });
  const unique = dedupe(missingClasses);
  return {
    root: path.resolve(root),
    format,
    multiLabel: found.multiLabel,
    splits,
    classes,
    counts,
    emptyClasses,
    missingClasses: unique,
    unreadable,
    duplicates,
    strayFiles,
    trainingErrors,
    singleClass,
    problems:
      emptyClasses.length +
      unique.length +
      unreadable.length +
      duplicates.length +
      strayFiles.length +
      trainingErrors.length +
      (singleClass === null ? 0 : 1),
  };
}

const FORMATS: readonly string[] = ['auto', 'folder', 'jsonl', 'idx', 'csv', 'mosaic'];

/** Every bad option at once, before any file is read (an unknown format would otherwise be read as JSONL). */
function checkOptions(options: DataCheckOptions): void {
  const issues: { path: string; message: string }[] = [];
  if (options.format !== undefined && !FORMATS.includes(options.format)) {
    issues.push({ path: 'format', message: `expected one of ${FORMATS.join(', ')}, but got '${String(options.format)}'` });
  }
  const { concurrency } = options;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    issues.push({ path: 'concurrency', message: `expected a positive integer, but got ${String(concurrency)}` });
  }
  if (issues.length > 0) {
    throw new ConfigError(
      `data check: expected valid options, but got ${issues.length} problem(s): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
}

function dedupe(items: { split: SplitName; className: string }[]): { split: SplitName; className: string }[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(`${i.split}/${i.className}`) && seen.add(`${i.split}/${i.className}`) !== undefined);
}

async function idxCheck(root: string, format: 'idx' | 'mosaic'): Promise<DataCheckReport> {
  const counts: DataCheckReport['counts'] = {};
  const splits: SplitName[] = [];
  let classes: string[] = [];
  for (const split of ['train', 'test'] as const) {
    const ds = await (format === 'idx' ? IdxDataset.load({ dir: root, split }) : MosaicDataset.load({ dir: root, split })).catch(
      () => null,
    );
    if (ds === null) continue;
    splits.push(split);
    classes = [...ds.classes];
    const perClass = classCounts(ds);
    counts[split] = Object.fromEntries(ds.classes.map((c, i) => [c, perClass[i]]));
  }
  if (splits.length === 0) throw new DataError(`data check: expected train-/t10k- IDX files in ${path.resolve(root)}, but got none`);
  return {
    root: path.resolve(root),
    format,
    multiLabel: format === 'mosaic',
    splits,
    classes,
    counts,
    emptyClasses: [],
    missingClasses: [],
    unreadable: [],
    duplicates: [],
    strayFiles: [],
    trainingErrors: [],
    singleClass: classes.length === 1 ? classes[0] : null,
    problems: classes.length === 1 ? 1 : 0,
  };
}
