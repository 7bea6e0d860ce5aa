/**
 * The path rules every annotation format shares (JSONL lines, CSV
 * manifests): an image path is relative, resolves against the folder of
 * the file that names it, and may not leave the data folder, neither
 * lexically (`../`) nor through a symbolic link. Without them a manifest
 * could make a training run read, and a report show, any file the user can.
 *
 * @example
 * const image = resolveContained({ folder: '/data/rf/train', base: '/data/rf/train/a', path: 'x.jpg', location: 'ann.jsonl:3', component: 'JsonlDataset' });
 * await checkRealPaths(rows, { folder: '/data/rf/train', component: 'JsonlDataset' });
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { DataError, fsReason } from '../../errors.js';
import { mapLimit } from '../async-limiter.js';

/** What to resolve: a path as written at `location`, relative to `base`, to stay inside `folder`. */
export interface ContainedPath {
  /** The folder no image may leave. */
  folder: string;
  /** What that folder is, in messages ('the split folder'; default 'the folder'). */
  folderName?: string;
  /** The folder relative paths resolve against (the annotation file's). */
  base: string;
  path: string;
  /** `file:line`, for messages. */
  location: string;
  /** Names the format in messages. */
  component: string;
}

function withSep(folder: string): string {
  return folder.endsWith(path.sep) ? folder : folder + path.sep;
}

/**
 * The absolute path of an image named in an annotation file; an absolute
 * path, or one that leaves `folder`, is a DataError naming file:line.
 *
 * @example
 * resolveContained({ folder: '/d/train', base: '/d/train', path: '../x.jpg', location: 'a.csv:2', component: 'CsvDataset' }); // throws
 */
export function resolveContained(p: ContainedPath): string {
  if (path.isAbsolute(p.path) || path.win32.isAbsolute(p.path))
    throw new DataError(`${p.component}: expected a path relative to ${p.base}, but got the absolute path '${p.path}' at ${p.location}`);
  const image = path.resolve(p.base, p.path);
  if (!image.startsWith(withSep(p.folder)))
    throw new DataError(
      `${p.component}: expected image paths inside ${p.folderName ?? 'the folder'} ${p.folder}, but got '${p.path}' at ${p.location}`,
    );
  return image;
}

/**
 * The lexical check cannot see symbolic links: a link inside the folder may
 * point anywhere, so every image that exists must really lie inside the
 * folder's real path. A missing image is left to the loader, or, with
 * `requireExisting`, is a DataError naming file:line here.
 *
 * @example
 * await checkRealPaths(rows, { folder: '/data/csv', component: 'CsvDataset', requireExisting: true });
 */
export async function checkRealPaths(
  rows: readonly { image: string; location: string }[],
  options: { folder: string; folderName?: string; component: string; requireExisting?: boolean },
): Promise<void> {
  const root = withSep(await realpath(options.folder));
  await mapLimit(rows, 32, async (row) => {
    let real: string;
    try {
      real = await realpath(row.image);
    } catch (cause) {
      if (options.requireExisting !== true) return;
      throw new DataError(`${options.component}: expected an image file at ${row.image}, but got ${fsReason(cause)} at ${row.location}`, {
        cause,
      });
    }
    if (!real.startsWith(root)) {
      throw new DataError(
        `${options.component}: expected image paths inside ${options.folderName ?? 'the folder'} ${options.folder}, but got ${row.image}, a link to ${real}, at ${row.location}`,
      );
    }
  });
}

/**
 * A text file's bytes as a string, without a UTF-8 byte-order mark (Windows
 * editors write one); bytes that are not UTF-8 are a DataError naming
 * file:line (decoded loosely they would merge labels silently).
 *
 * @example
 * const text = decodeUtf8(await readFile(file), file, 'CsvDataset');
 */
export function decodeUtf8(bytes: Buffer, file: string, component: string): string {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  try {
    return decoder.decode(bytes);
  } catch {
    let start = 0;
    for (let line = 1; ; line++) {
      const end = bytes.indexOf(0x0a, start);
      try {
        decoder.decode(bytes.subarray(start, end < 0 ? bytes.length : end));
      } catch (cause) {
        throw new DataError(`${component}: expected UTF-8 text, but got bytes that are not UTF-8 at ${file}:${line}`, { cause });
      }
      start = end + 1;
    }
  }
}
