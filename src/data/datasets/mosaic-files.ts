/**
 * Writes a mosaic data set out as files, for users who want them: one PNG
 * per mosaic under `<out>/<split>/` and a CSV manifest per split
 * (`<out>/train.csv`, `<out>/test.csv`, `path,labels` with the class names
 * joined by `|`), the format `data=csv` reads back as the same multi-label
 * set (its classes then sorted by name, as CSV classes are). A folder that
 * already holds files is refused rather than mixed with new ones.
 *
 * @example
 * await writeMosaicFiles({ dir: FASHION_MNIST_DIR, out: 'data/fmnist-mosaics' });
 * // then: classifier-training train data=csv data.root=data/fmnist-mosaics task=multilabel
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { DataError, fsReason } from '../../errors.js';
import { mapLimit } from '../async-limiter.js';
import { MosaicDataset } from './mosaic-dataset.js';

/** Options for `writeMosaicFiles`. */
export interface WriteMosaicFilesOptions {
  /** The folder of IDX files the mosaics are made from. */
  dir: string;
  /** A new or empty folder. */
  out: string;
  splits?: readonly ('train' | 'test')[];
  /** At most this many mosaics per split (the first ones); default all. */
  limit?: number;
  /** Default `MOSAIC_SEED`, the shipped data set's. */
  seed?: number;
  /** Told after each split: its manifest and how many images. */
  onProgress?: (message: string) => void;
}

/**
 * Writes the PNGs and manifests; returns the manifests' paths.
 *
 * @example
 * const manifests = await writeMosaicFiles({ dir, out, limit: 1000 });
 */
export async function writeMosaicFiles(options: WriteMosaicFilesOptions): Promise<string[]> {
  const existing = await readdir(options.out).catch(() => []);
  if (existing.length > 0)
    throw new DataError(`writeMosaicFiles: expected a new or empty folder at ${options.out}, but got ${existing.length} entries there`);
  const manifests: string[] = [];
  for (const split of options.splits ?? ['train', 'test']) {
    const ds = await MosaicDataset.load({ dir: options.dir, split, seed: options.seed });
    const count = Math.min(ds.length, options.limit ?? ds.length);
    const width = String(count - 1).length;
    const names = Array.from({ length: count }, (_, i) => `${split}/${String(i).padStart(width, '0')}.png`);
    await mkdir(path.join(options.out, split), { recursive: true }).catch((cause: unknown) => {
      throw new DataError(`writeMosaicFiles: expected to create ${path.join(options.out, split)}, but got ${fsReason(cause)}`, { cause });
    });
    await mapLimit(names, 16, async (name, i) => {
      const image = ds.source(i);
      const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } })
        .png()
        .toBuffer();
      await writeFile(path.join(options.out, name), png);
    });
    const rows = names.map((name, i) => `${name},${csvField(ds.labelSets[i].map((c) => ds.classes[c]).join('|'))}`);
    const manifest = path.join(options.out, `${split}.csv`);
    await writeFile(manifest, ['path,labels', ...rows, ''].join('\n'));
    manifests.push(manifest);
    options.onProgress?.(`${manifest}: ${count} mosaics`);
  }
  return manifests;
}

/** RFC 4180: a field holding a comma, a quote or a line break goes in quotes, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
