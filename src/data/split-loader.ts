/**
 * Reading one split of a data set in any of the formats the data module
 * knows, and telling them apart: IDX files (and their mosaics), JSONL
 * annotations, CSV manifests, class folders. Every split comes back as an
 * `ImageDataset`, multi-label (with label sets) exactly when the run is.
 *
 * @example
 * const format = await detectFormat('data/products'); // 'csv'
 * const train = await loadSplit({ format, root: 'data/products', split: 'train', multiLabel: true, separator: '|', onWarning });
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../errors.js';
import type { ImageDataset, LabelSets } from './dataset.js';
import { CsvDataset, findManifest } from './datasets/csv-dataset.js';
import { IdxDataset } from './datasets/idx-dataset.js';
import { findSplitDir, ImageFolder } from './datasets/image-folder.js';
import type { SplitName } from './datasets/image-folder.js';
import { ANNOTATIONS_FILE, JsonlDataset } from './datasets/jsonl-dataset.js';
import { MosaicDataset } from './datasets/mosaic-dataset.js';
import { walkImages } from './datasets/walk-images.js';

/** The on-disk formats (`mosaic` builds its images from IDX files in memory). */
export type DataFormat = 'folder' | 'jsonl' | 'idx' | 'csv' | 'mosaic';

/**
 * Which on-disk format a root holds: IDX files, JSONL annotations under
 * train/, a train.csv manifest, or else an image folder. Mosaics are never
 * detected: their folder is an IDX folder, and the config names them.
 *
 * @example
 * await detectFormat('/usr/share/datasets/fashion-mnist'); // 'idx'
 */
export async function detectFormat(root: string): Promise<Exclude<DataFormat, 'mosaic'>> {
  const entries = await readdir(root).catch((cause: unknown) => {
    const { code, message } = cause as NodeJS.ErrnoException;
    const why = code === 'ENOTDIR' ? 'a file, not a folder' : code === 'ENOENT' ? 'nothing there' : `${code ?? 'an error'}: ${message}`;
    throw new DataError(`data: expected a readable data folder at ${path.resolve(root)}, but got ${why}`, { cause });
  });
  if (entries.some((n) => /-idx\d-ubyte(\.gz)?$/.test(n))) return 'idx';
  const train = await findSplitDir(root, 'train');
  // A folder the walk cannot read is reported by the loader that lists it, with the split it belongs to.
  const annotations = train === null ? [] : await walkImages(train, { accept: (n) => n === ANNOTATIONS_FILE }).catch(() => []);
  if (annotations.length > 0) return 'jsonl';
  // A manifest wins over a train/ folder: the images it lists often sit in one.
  if ((await findManifest(root, 'train')) !== null) return 'csv';
  return 'folder';
}

/** True when the data set has a val split of its own (IDX and mosaics never do: theirs is split off train). */
export async function hasValSplit(format: DataFormat, root: string): Promise<boolean> {
  if (format === 'idx' || format === 'mosaic') return false;
  return (format === 'csv' ? await findManifest(root, 'val') : await findSplitDir(root, 'val')) !== null;
}

/** Options for `loadSplit`. */
export interface LoadSplitOptions {
  format: DataFormat;
  root: string;
  split: SplitName;
  /** The train split's classes, for val and test. */
  classes?: readonly string[];
  multiLabel: boolean;
  /** Between the labels of a CSV `labels` cell. */
  separator: string;
  onWarning: (message: string) => void;
}

/**
 * One split, single- or multi-label as the run is: a single-label set read
 * by a multi-label run gets one-label sets; a set whose images show several
 * classes (mosaics) refuses a single-label run.
 *
 * @example
 * const test = await loadSplit({ ...options, split: 'test', classes: train.classes });
 */
export async function loadSplit(options: LoadSplitOptions): Promise<ImageDataset> {
  const dataset = await readSplit(options);
  if (!options.multiLabel && dataset.labelSets !== undefined)
    throw new DataError(
      `data: expected a multi-label run for the ${options.format} format (its images show several classes each), but got a single-label one; set task=multilabel`,
    );
  return options.multiLabel && dataset.labelSets === undefined ? new OneLabelSets(dataset) : dataset;
}

async function readSplit(o: LoadSplitOptions): Promise<ImageDataset> {
  const { root, split, classes, multiLabel, onWarning } = o;
  switch (o.format) {
    case 'idx':
    case 'mosaic': {
      if (split === 'val')
        throw new DataError(
          `data: expected train or test for the ${o.format} format, but got val (IDX has no val split; it is split off train)`,
        );
      return o.format === 'idx' ? IdxDataset.load({ dir: root, split, classes }) : MosaicDataset.load({ dir: root, split, classes });
    }
    case 'jsonl':
      return JsonlDataset.load({ root, split, classes, multiLabel, onWarning });
    case 'csv':
      return CsvDataset.load({ root, split, classes, multiLabel, separator: o.separator, onWarning });
    case 'folder':
      return ImageFolder.load({ root, split, classes, onWarning });
  }
}

/** A single-label set seen by a multi-label run: every sample's set is its one class. */
class OneLabelSets implements ImageDataset {
  readonly labelSets: LabelSets;
  constructor(readonly base: ImageDataset) {
    this.labelSets = Array.from(base.targets, (t) => (t >= 0 ? [t] : []));
  }
  get length(): number {
    return this.base.length;
  }
  get classes(): readonly string[] {
    return this.base.classes;
  }
  get targets(): Int32Array {
    return this.base.targets;
  }
  source(index: number): ReturnType<ImageDataset['source']> {
    return this.base.source(index);
  }
  describe(index: number): string {
    return this.base.describe(index);
  }
}

/**
 * The height and width of an in-memory data set's images (IDX, mosaics), or
 * null for files (their size is the transforms' business).
 *
 * @example
 * inMemorySize(await loadSplit({ format: 'mosaic', ... })); // [56, 56]
 */
export function inMemorySize(dataset: ImageDataset): [number, number] | null {
  const inner = dataset instanceof OneLabelSets ? dataset.base : dataset;
  return inner instanceof IdxDataset || inner instanceof MosaicDataset ? [inner.height, inner.width] : null;
}
