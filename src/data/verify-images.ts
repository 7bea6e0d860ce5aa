/**
 * The verify pass: decodes every file of a data set once, with bounded
 * concurrency, before training starts, so an unreadable image fails the run
 * in seconds rather than hours in (or is dropped up front with `skip`).
 *
 * @example
 * const bad = await verifyImages(train, { decode: { channels: 3 }, concurrency: 8 });
 * if (bad.length > 0) console.warn(`${bad.length} unreadable files`);
 */
import { DataError } from '../errors.js';
import { mapLimit } from './async-limiter.js';
import { Subset } from './dataset.js';
import type { ImageDataset } from './dataset.js';
import { decodeImage } from './decode.js';
import type { DecodeOptions } from './decode.js';

/** One unreadable sample. */
export interface BadImage {
  index: number;
  name: string;
  reason: string;
}

/**
 * Decodes every file-backed sample; returns the ones that fail, in index order.
 *
 * @example
 * await verifyImages(ds, { decode: { channels: 1 }, concurrency: 4 });
 */
export async function verifyImages(dataset: ImageDataset, options: { decode: DecodeOptions; concurrency?: number }): Promise<BadImage[]> {
  const indices = Array.from({ length: dataset.length }, (_, i) => i);
  const results = await mapLimit(indices, options.concurrency ?? 4, async (index): Promise<BadImage | null> => {
    const source = dataset.source(index);
    if (typeof source !== 'string' && !Buffer.isBuffer(source)) return null;
    try {
      await decodeImage(source, options.decode);
      return null;
    } catch (error) {
      return { index, name: dataset.describe(index), reason: error instanceof Error ? error.message : String(error) };
    }
  });
  return results.filter((r): r is BadImage => r !== null);
}

/**
 * Applies the bad-file policy to a verify result: `fail` throws a DataError
 * naming the first files; `skip` warns about each and returns the data set
 * without them.
 *
 * @example
 * const clean = applyBadFilePolicy(ds, bad, { policy: 'skip', onWarning: console.warn });
 */
export function applyBadFilePolicy(
  dataset: ImageDataset,
  bad: readonly BadImage[],
  options: { policy: 'fail' | 'skip'; maxSkipFraction?: number; onWarning?: (message: string) => void },
): ImageDataset {
  if (bad.length === 0) return dataset;
  const names = bad
    .slice(0, 3)
    .map((b) => b.name)
    .join(', ');
  if (options.policy === 'fail') {
    throw new DataError(
      `verify: expected every image to decode, but got ${bad.length} unreadable file(s): ${names}${bad.length > 3 ? ', ...' : ''} (first: ${bad[0].reason}; set badFiles: 'skip' to drop them)`,
    );
  }
  const maxFraction = options.maxSkipFraction ?? 0.01;
  if (bad.length > maxFraction * dataset.length) {
    throw new DataError(
      `verify: expected at most ${maxFraction * 100}% unreadable files (maxSkipFraction), but got ${bad.length} of ${dataset.length}: ${names}${bad.length > 3 ? ', ...' : ''}`,
    );
  }
  for (const b of bad) options.onWarning?.(`verify: skipping unreadable ${b.name}: ${b.reason}`);
  const badSet = new Set(bad.map((b) => b.index));
  return new Subset(
    dataset,
    Array.from({ length: dataset.length }, (_, i) => i).filter((i) => !badSet.has(i)),
  );
}
