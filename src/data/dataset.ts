/**
 * What every data set in this folder looks like to samplers, loaders and
 * statistics: a fixed-length list of (image source, class index) pairs plus
 * the class names. Image folders hand out file paths, IDX files hand out
 * in-memory `RawImage`s; the loader treats both the same.
 *
 * @example
 * const ds: ImageDataset = await ImageFolder.load({ root: 'data/pets', split: 'train' });
 * ds.length; ds.targets[0]; ds.classes[ds.targets[0]]; ds.source(0); // '/data/pets/train/cat/1.jpg'
 */
import type { RawImage } from './image.js';

/** Where one sample's pixels come from: a file path, encoded bytes, or decoded pixels. */
export type ImageSource = string | Buffer | RawImage;

/** Multi-label targets: every sample's positive class indices, ascending and distinct (an empty list: no positives). */
export type LabelSets = readonly (readonly number[])[];

/**
 * The one class per sample a multi-label set still needs (to stratify a val
 * split, to name a sample in a single-class table): its first positive, -1
 * for a sample with none.
 *
 * @example
 * firstLabels([[1, 3], [], [0]]); // Int32Array [1, -1, 0]
 */
export function firstLabels(sets: LabelSets): Int32Array {
  return Int32Array.from(sets, (set) => (set.length > 0 ? set[0] : -1));
}

/** A labelled list of images. `targets[i]` is -1 for unlabelled samples (prediction). */
export interface ImageDataset {
  /** Number of samples. */
  readonly length: number;
  /** Class names in index order (idxToClass). */
  readonly classes: readonly string[];
  /** The class index of every sample (multi-label sets: the first of its labels, -1 for none, see `firstLabels`). */
  readonly targets: Int32Array;
  /** Multi-label sets only: every sample's positive classes. Its presence makes a set multi-label. */
  readonly labelSets?: LabelSets;
  /** The pixels of sample `index` (a path for files, a RawImage for in-memory sets). */
  source(index: number): ImageSource;
  /** A human-readable name for sample `index`, used in messages (a path, or `idx:train#17`). */
  describe(index: number): string;
}

/** classToIdx as a plain object, from the class names in index order. */
export function classToIdxOf(classes: readonly string[]): Record<string, number> {
  return Object.fromEntries(classes.map((name, i) => [name, i]));
}

/**
 * A view of some samples of another data set (a train/val split).
 *
 * @example
 * const val = new Subset(train, [3, 9, 12]);
 */
export class Subset implements ImageDataset {
  readonly classes: readonly string[];
  readonly targets: Int32Array;
  readonly labelSets?: LabelSets;
  readonly indices: readonly number[];
  readonly #base: ImageDataset;

  constructor(base: ImageDataset, indices: readonly number[]) {
    this.#base = base;
    this.indices = indices;
    this.classes = base.classes;
    this.targets = Int32Array.from(indices, (i) => base.targets[i]);
    const sets = base.labelSets;
    if (sets !== undefined) this.labelSets = indices.map((i) => sets[i]);
  }

  get length(): number {
    return this.indices.length;
  }
  source(index: number): ImageSource {
    return this.#base.source(this.indices[index]);
  }
  describe(index: number): string {
    return this.#base.describe(this.indices[index]);
  }
}

/**
 * A data set whose samples are image files: the paths, their class indices
 * and the class names (and, multi-label, every sample's label set). Image
 * folders, JSONL splits, CSV manifests and prediction lists share it.
 *
 * @example
 * class MyFiles extends FileListDataset {}
 * new MyFiles(['a.jpg'], Int32Array.of(0), ['cat']).source(0); // 'a.jpg'
 * new MyFiles(['a.jpg'], Int32Array.of(0), ['cat', 'dog'], [[0, 1]]).labelSets; // [[0, 1]]
 */
export class FileListDataset implements ImageDataset {
  constructor(
    readonly paths: readonly string[],
    readonly targets: Int32Array,
    readonly classes: readonly string[],
    readonly labelSets?: LabelSets,
  ) {}
  get length(): number {
    return this.paths.length;
  }
  source(index: number): string {
    return this.paths[index];
  }
  describe(index: number): string {
    return this.paths[index];
  }
}

/**
 * Images listed by path with no labels (every target is -1), for prediction.
 *
 * @example
 * const ds = new PathListDataset(['a.jpg', 'b.png'], model.classes);
 */
export class PathListDataset extends FileListDataset {
  constructor(paths: readonly string[], classes: readonly string[] = []) {
    super(paths, new Int32Array(paths.length).fill(-1), classes);
  }
}
