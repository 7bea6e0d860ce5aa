/**
 * Reads every file of a data set once: hashes it (sha256) and, unless told
 * not to, decodes it as training would, to find the files that cannot be
 * read or decoded and the byte-identical files that sit in more than one
 * split (a test image that is also a train image inflates accuracy).
 *
 * @example
 * const { unreadable, duplicates } = await inspectFiles([{ split: 'train', file: 'a.png' }, { split: 'val', file: 'b.png' }]);
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { mapLimit } from './async-limiter.js';
import { decodeImage } from './decode.js';

/** A file and the split it belongs to. */
export interface SplitFile {
  split: string;
  file: string;
}

/** Options of `inspectFiles`. */
export interface InspectFilesOptions {
  /** Decode every image (default true; false only hashes: faster, unreadable images go unnoticed). */
  decode?: boolean;
  /** Files read at once (default 8). */
  concurrency?: number;
}

/** What `inspectFiles` found. */
export interface FileInspection {
  /** Files that could not be read or decoded, in the order given, with the reason. */
  unreadable: { path: string; reason: string }[];
  /** Groups of byte-identical files from more than one split, each in the order given. */
  duplicates: { sha256: string; paths: string[] }[];
}

/**
 * Hashes (and decodes) every file, `concurrency` at a time.
 *
 * @example
 * const found = await inspectFiles(files, { decode: false, concurrency: 16 });
 * found.duplicates; // [{ sha256: '9f86…', paths: ['train/cat/1.png', 'val/cat/copy.png'] }]
 */
export async function inspectFiles(files: readonly SplitFile[], options: InspectFilesOptions = {}): Promise<FileInspection> {
  const results = await mapLimit(files, options.concurrency ?? 8, async ({ file }) => {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      return { hash: null, reason: error instanceof Error ? error.message : String(error) };
    }
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (options.decode === false) return { hash, reason: null };
    try {
      await decodeImage(bytes, { channels: 3, name: file });
      return { hash, reason: null };
    } catch (error) {
      return { hash, reason: (error instanceof Error ? error.message : String(error)).replace(/^decodeImage: /, '') };
    }
  });
  const unreadable = results.flatMap((r, i) => (r.reason === null ? [] : [{ path: files[i].file, reason: r.reason }]));
  const byHash = new Map<string, number[]>();
  results.forEach((r, i) => r.hash !== null && byHash.set(r.hash, [...(byHash.get(r.hash) ?? []), i]));
  const duplicates = [...byHash]
    .filter(([, idx]) => new Set(idx.map((i) => files[i].split)).size > 1)
    .map(([sha256, idx]) => ({ sha256, paths: idx.map((i) => files[i].file) }));
  return { unreadable, duplicates };
}
