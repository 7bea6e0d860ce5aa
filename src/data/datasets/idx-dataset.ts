/**
 * IDX files (the MNIST / Fashion-MNIST format), gzipped or not: a magic
 * number `0x0000 <type> <ndims>`, big-endian uint32 dimensions, then the raw
 * values. Images and labels are held in memory as uint8 and handed out as
 * one-channel `RawImage`s, so they go through the same transforms as files.
 * The default data set is Debian's `dataset-fashion-mnist`.
 *
 * @example
 * const train = await IdxDataset.load({ dir: FASHION_MNIST_DIR, split: 'train' });
 * train.length; // 60000
 * train.source(0); // { data: <Buffer ...784 bytes>, width: 28, height: 28, channels: 1 }
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { kMaxLength } from 'node:buffer';
import { constants, gunzipSync } from 'node:zlib';
import { DataError } from '../../errors.js';
import type { ImageDataset } from '../dataset.js';
import type { RawImage } from '../image.js';

/** Where Debian's `dataset-fashion-mnist` package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST's ten class names, in label order. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** A decoded IDX array of unsigned bytes. */
export interface IdxArray {
  dims: number[];
  data: Buffer;
}

/**
 * Parses an IDX file's bytes (gunzipping them first when they start with the
 * gzip magic), checking the magic, the type (uint8 only) and that the length
 * matches the dimensions.
 *
 * @example
 * const { dims, data } = parseIdx(await readFile('t10k-labels-idx1-ubyte.gz'), 't10k-labels'); // dims [10000]
 */
export function parseIdx(bytes: Buffer, name = 'IDX data'): IdxArray {
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const raw = gzipped ? gunzipCapped(bytes, name) : bytes;
  const { dims, header, count } = readHeader(raw, name);
  if (raw.length - header !== count) {
    throw new DataError(
      `IdxDataset: expected ${count} bytes of data for dims [${dims.join(', ')}], but got ${raw.length - header} in ${name}`,
    );
  }
  return { dims, data: raw.subarray(header) };
}

/** The magic, type and dims at the start of `raw` (which may hold only the header). */
function readHeader(raw: Buffer, name: string): { dims: number[]; header: number; count: number } {
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new DataError(
      `IdxDataset: expected the IDX magic 0x0000, but got ${raw.subarray(0, 2).toString('hex') || 'an empty file'} in ${name}`,
    );
  }
  if (raw[2] !== 0x08)
    throw new DataError(
      `IdxDataset: expected element type 0x08 (unsigned byte), but got 0x${raw[2].toString(16).padStart(2, '0')} in ${name}`,
    );
  const ndims = raw[3];
  if (ndims < 1 || ndims > 4) throw new DataError(`IdxDataset: expected 1 to 4 dimensions, but got ${ndims} in ${name}`);
  const header = 4 + 4 * ndims;
  if (raw.length < header) throw new DataError(`IdxDataset: expected a ${header}-byte header, but got ${raw.length} bytes in ${name}`);
  const dims = Array.from({ length: ndims }, (_, i) => raw.readUInt32BE(4 + 4 * i));
  return { dims, header, count: dims.reduce((a, b) => a * b, 1) };
}

/**
 * Gunzips no more than the header declares: the header is inflated first
 * (from a prefix of the stream), then the whole stream with its declared
 * size as the output cap, so a small bomb stops at once instead of filling memory.
 */
function gunzipCapped(bytes: Buffer, name: string): Buffer {
  const corrupt = (cause: unknown): DataError =>
    new DataError(`IdxDataset: expected a valid gzip stream, but got a corrupt one in ${name}`, { cause });
  let head: Buffer;
  try {
    head = gunzipSync(bytes.subarray(0, 4096), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (cause) {
    throw corrupt(cause);
  }
  const { dims, header, count } = readHeader(head, name);
  // Deflate expands at most ~1032:1; a header claiming more cannot be honest.
  const declared = header + count;
  if (declared > Math.min(bytes.length * 1032 + 1024, kMaxLength)) {
    throw new DataError(
      `IdxDataset: expected dims a ${bytes.length}-byte gzip file can hold, but got [${dims.join(', ')}] (${count} bytes) in ${name}`,
    );
  }
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(1, declared) });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataError(
        `IdxDataset: expected ${count} bytes of data for dims [${dims.join(', ')}], but got more after gunzipping ${name} (inflating stopped there)`,
        { cause },
      );
    }
    throw corrupt(cause);
  }
}

/**
 * Writes uint8 values as an IDX file's bytes (tests and tools).
 *
 * @example
 * await writeFile('labels.idx', encodeIdx([3], Buffer.from([1, 2, 3])));
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/** Options for `IdxDataset.load`. */
export interface IdxDatasetOptions {
  /** The folder holding `<prefix>-images-idx3-ubyte[.gz]` and `<prefix>-labels-idx1-ubyte[.gz]`. */
  dir: string;
  /** `train` reads the `train-*` files, `test` the `t10k-*` files. */
  split: 'train' | 'test';
  /** Class names; default: Fashion-MNIST's for a folder whose name says fashion, else '0', '1', ... */
  classes?: readonly string[];
}

/** An IDX image/label pair held in memory. */
export class IdxDataset implements ImageDataset {
  readonly classes: readonly string[];
  readonly targets: Int32Array;
  readonly height: number;
  readonly width: number;
  readonly #images: Buffer;
  readonly #name: string;

  /**
   * Builds a data set from parsed arrays: images [N, H, W], labels [N].
   *
   * @example
   * new IdxDataset({ images, labels, classes: ['0', '1'], name: 'mnist:train' });
   */
  constructor(options: { images: IdxArray; labels: IdxArray; classes?: readonly string[]; name?: string }) {
    const { images, labels } = options;
    this.#name = options.name ?? 'idx';
    if (images.dims.length !== 3)
      throw new DataError(`IdxDataset: expected images with 3 dims [N, H, W], but got [${images.dims.join(', ')}] in ${this.#name}`);
    if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
      throw new DataError(
        `IdxDataset: expected ${images.dims[0]} labels to match the images, but got dims [${labels.dims.join(', ')}] in ${this.#name}`,
      );
    }
    [, this.height, this.width] = images.dims;
    this.#images = images.data;
    this.targets = Int32Array.from(labels.data);
    const maxLabel = this.targets.reduce((m, v) => Math.max(m, v), -1);
    this.classes = options.classes ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
    if (maxLabel >= this.classes.length) {
      throw new DataError(
        `IdxDataset: expected labels below ${this.classes.length} (the number of classes), but got ${maxLabel} in ${this.#name}`,
      );
    }
  }

  /**
   * Reads a split from a folder of IDX files, gzipped or not.
   *
   * @example
   * const test = await IdxDataset.load({ dir: FASHION_MNIST_DIR, split: 'test' });
   */
  static async load(options: IdxDatasetOptions): Promise<IdxDataset> {
    const prefix = options.split === 'train' ? 'train' : 't10k';
    const entries = await readdir(options.dir).catch((cause: unknown) => {
      throw new DataError(
        `IdxDataset: expected a readable folder of IDX files at ${options.dir}, but got ${(cause as NodeJS.ErrnoException).code ?? String(cause)} (Fashion-MNIST: apt-get install dataset-fashion-mnist)`,
        { cause },
      );
    });
    const find = (kind: string): string => {
      const name = [`${prefix}-${kind}-ubyte`, `${prefix}-${kind}-ubyte.gz`, `${prefix}-${kind}.idx`].find((n) => entries.includes(n));
      if (name === undefined)
        throw new DataError(
          `IdxDataset: expected ${prefix}-${kind}-ubyte[.gz] in ${options.dir}, but got ${entries.join(', ') || 'an empty folder'}`,
        );
      return path.join(options.dir, name);
    };
    const imagesPath = find('images-idx3');
    const labelsPath = find('labels-idx1');
    const [images, labels] = await Promise.all([imagesPath, labelsPath].map(async (p) => parseIdx(await readFile(p), p)));
    const fashion = /fashion/i.test(path.resolve(options.dir));
    const classes = options.classes ?? (fashion ? FASHION_MNIST_CLASSES : undefined);
    return new IdxDataset({ images, labels, classes, name: imagesPath });
  }

  get length(): number {
    return this.targets.length;
  }

  /** A copy of image `index` as a one-channel RawImage (transforms may write into it). */
  source(index: number): RawImage {
    if (!(index >= 0 && index < this.length))
      throw new RangeError(`IdxDataset: expected an index in [0, ${this.length}), but got ${index}`);
    const size = this.height * this.width;
    const data = Buffer.allocUnsafe(size);
    this.#images.copy(data, 0, index * size, (index + 1) * size);
    return { data, width: this.width, height: this.height, channels: 1 };
  }

  describe(index: number): string {
    return `${this.#name}#${index}`;
  }
}
