/**
 * A multi-label data set made from a single-label one, with no files: image
 * i is a 2x2 mosaic of the base set's images (Fashion-MNIST's 28x28 make
 * 56x56), with 1 to 4 cells filled and the others black, labelled with the
 * set of the classes it shows. Every mosaic is a pure function of (seed, i)
 * and the base images, by a rule short enough to restate in any language
 * (scripts/fixtures/fmnist_mosaic.py does, for the golden sums):
 *
 *     mix(x)        = lowbias32: x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16 (uint32)
 *     draw(i, k)    = mix(mix(mix(seed) + i) + k)                     (uint32 additions)
 *     count         = 1 + draw(i, 0) % 4
 *     cells         = [0, 1, 2, 3] shuffled: for j = 3, 2, 1 swap cells[j] and cells[draw(i, 4 - j) % (j + 1)]
 *     items         = [i, draw(i, 5) % N, draw(i, 6) % N, draw(i, 7) % N] (N: the base set's size)
 *     item t (t < count) goes to cell cells[t]: row cells[t] >> 1, column cells[t] & 1
 *
 * So every base image appears in at least its own mosaic, and the set has as
 * many mosaics as the base set has images (60,000 train and 10,000 test for
 * Fashion-MNIST); labels average about 2.2 per image.
 *
 * @example
 * const train = await MosaicDataset.load({ dir: FASHION_MNIST_DIR, split: 'train' });
 * train.source(0);      // { width: 56, height: 56, channels: 1, data: <3136 bytes> }
 * train.labelSets[0];   // e.g. [0, 7, 9]
 */
import { DataError } from '../../errors.js';
import { firstLabels } from '../dataset.js';
import type { ImageDataset, LabelSets } from '../dataset.js';
import type { RawImage } from '../image.js';
import { IdxDataset } from './idx-dataset.js';

/** The seed of the shipped data set: one fixed set, whatever a run's own seed, so test figures compare across runs. */
export const MOSAIC_SEED = 0;

function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Which base image fills each of the 4 cells (row-major), -1 for an empty cell. */
export type MosaicCells = [number, number, number, number];

/**
 * The cells of mosaic `index` over a base set of `baseLength` images (the rule in the module doc).
 *
 * @example
 * mosaicCells(0, 0, 60000); // e.g. [0, -1, 51230, -1]
 */
export function mosaicCells(seed: number, index: number, baseLength: number): MosaicCells {
  const base = mix((mix(seed >>> 0) + index) >>> 0);
  const draw = (k: number): number => mix((base + k) >>> 0);
  const count = 1 + (draw(0) % 4);
  const order = [0, 1, 2, 3];
  for (let j = 3; j >= 1; j--) {
    const r = draw(4 - j) % (j + 1);
    [order[j], order[r]] = [order[r], order[j]];
  }
  const items = [index, draw(5) % baseLength, draw(6) % baseLength, draw(7) % baseLength];
  const cells: MosaicCells = [-1, -1, -1, -1];
  for (let t = 0; t < count; t++) cells[order[t]] = items[t];
  return cells;
}

/** Options for `MosaicDataset.load`. */
export interface MosaicDatasetOptions {
  /** A folder of IDX files (Fashion-MNIST's). */
  dir: string;
  split: 'train' | 'test';
  /** Class names; default: the base set's. */
  classes?: readonly string[];
  /** Default `MOSAIC_SEED`. */
  seed?: number;
}

/** 2x2 mosaics of a one-channel in-memory data set, labelled with the classes they show. */
export class MosaicDataset implements ImageDataset {
  readonly classes: readonly string[];
  readonly labelSets: LabelSets;
  readonly targets: Int32Array;
  readonly height: number;
  readonly width: number;
  readonly seed: number;
  readonly #base: IdxDataset;
  readonly #cells: Int32Array;

  /**
   * Mosaics of `base` (their labels are computed here; pixels when asked for).
   *
   * @example
   * new MosaicDataset(await IdxDataset.load({ dir, split: 'test' }), { seed: 0 });
   */
  constructor(base: IdxDataset, options: { seed?: number } = {}) {
    this.#base = base;
    this.seed = options.seed ?? MOSAIC_SEED;
    this.classes = base.classes;
    this.height = 2 * base.height;
    this.width = 2 * base.width;
    this.#cells = new Int32Array(4 * base.length);
    const sets: number[][] = [];
    for (let i = 0; i < base.length; i++) {
      const cells = mosaicCells(this.seed, i, base.length);
      this.#cells.set(cells, 4 * i);
      const classes = new Set(cells.filter((c) => c >= 0).map((c) => base.targets[c]));
      sets.push([...classes].sort((a, b) => a - b));
    }
    this.labelSets = sets;
    this.targets = firstLabels(sets);
  }

  /**
   * Mosaics of one split of a folder of IDX files.
   *
   * @example
   * const test = await MosaicDataset.load({ dir: FASHION_MNIST_DIR, split: 'test' });
   */
  static async load(options: MosaicDatasetOptions): Promise<MosaicDataset> {
    const base = await IdxDataset.load({ dir: options.dir, split: options.split, classes: options.classes });
    return new MosaicDataset(base, { seed: options.seed });
  }

  get length(): number {
    return this.targets.length;
  }

  /** Which base image fills each cell of mosaic `index` (row-major, -1: empty). */
  cells(index: number): MosaicCells {
    this.#check(index);
    return Array.from(this.#cells.subarray(4 * index, 4 * index + 4)) as MosaicCells;
  }

  /** A new one-channel image: the base images in their cells, black elsewhere. */
  source(index: number): RawImage {
    const cells = this.cells(index);
    const h = this.#base.height;
    const w = this.#base.width;
    const data = Buffer.alloc(this.height * this.width);
    cells.forEach((item, cell) => {
      if (item < 0) return;
      const pixels = this.#base.source(item).data;
      const top = (cell >> 1) * h;
      const left = (cell & 1) * w;
      for (let y = 0; y < h; y++) pixels.copy(data, (top + y) * this.width + left, y * w, (y + 1) * w);
    });
    return { data, width: this.width, height: this.height, channels: 1 };
  }

  describe(index: number): string {
    return `mosaic:${this.#base.describe(index)}`;
  }

  #check(index: number): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.length))
      throw new DataError(`MosaicDataset: expected an index in [0, ${this.length}), but got ${index}`);
  }
}
