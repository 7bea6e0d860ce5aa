/**
 * Recursive listing of image files under a folder, the way every folder-based
 * data set here needs it: hidden entries (`.git`, `__MACOSX`, dot-files) are
 * skipped, symbolic links are followed, and a link back into a folder already
 * visited, or to a folder above the one holding it (a loop), is detected
 * through real paths and not followed.
 *
 * @example
 * const files = await walkImages('/data/pets/train/cat'); // sorted absolute paths
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../../errors.js';

/** Extensions counted as images (lower case, with the dot). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.bmp', '.gif']);

/** True for names the data sets ignore: dot-files and folders, and `__MACOSX`. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.') || name === '__MACOSX';
}

/** True when the file name has one of the image extensions. */
export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(path.extname(name).toLowerCase());
}

/**
 * The entries of a folder; a folder that cannot be read, or a name that is
 * not valid UTF-8 (Node would turn it into a path that does not exist), is a
 * DataError naming the folder and the cause.
 *
 * @example
 * const entries = await readFolder('/data/pets/train');
 */
export async function readFolder(folder: string): Promise<Dirent[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (cause) {
    throw folderError(folder, cause);
  }
  const garbled = entries.find((e) => e.name.includes('\uFFFD'));
  if (garbled !== undefined) {
    throw new DataError(
      `data: expected UTF-8 file names in ${folder}, but got '${garbled.name}', a name that is not valid UTF-8 (rename it)`,
    );
  }
  return entries;
}

function folderError(folder: string, cause: unknown): DataError {
  const error = cause as NodeJS.ErrnoException;
  return new DataError(`data: expected a readable folder at ${folder}, but got ${error.code ?? 'an error'}: ${error.message}`, { cause });
}

/** Options for `walkImages`. */
export interface WalkOptions {
  /** Keep only files whose name passes this test (default: image extensions). */
  accept?: (name: string) => boolean;
  /** Called for every symbolic-link loop found, with the link's path. */
  onLoop?: (linkPath: string) => void;
}

/**
 * Every matching file under `dir`, recursively, as sorted absolute paths.
 *
 * @example
 * await walkImages('data/train/dog', { onLoop: (p) => log.warn(`loop at ${p}`) });
 */
export async function walkImages(dir: string, options: WalkOptions = {}): Promise<string[]> {
  const accept = options.accept ?? isImageFile;
  const seen = new Set<string>();
  const out: string[] = [];
  const visit = async (folder: string, parentReal: string | null): Promise<void> => {
    const real = await realpath(folder).catch((cause: unknown) => {
      throw folderError(folder, cause);
    });
    // A link to the folder holding it, or to any folder above it (the split
    // root, say), loops even when the walk started below that target.
    if (seen.has(real) || (parentReal !== null && isSameOrInside(parentReal, real))) {
      options.onLoop?.(folder);
      return;
    }
    seen.add(real);
    const entries = await readFolder(folder);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (isHiddenName(entry.name)) continue;
      const full = path.join(folder, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(full).catch(() => null); // a dangling link is skipped
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (isDir) await visit(full, real);
      else if (isFile && accept(entry.name)) out.push(full);
    }
  };
  await visit(path.resolve(dir), null);
  return out;
}

/** True when `inner` is `outer` or lies below it (both real, absolute paths). */
function isSameOrInside(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);
}

/** The non-hidden sub-folders of `dir` (following links), sorted by name. */
export async function listSubfolders(dir: string): Promise<string[]> {
  const entries = await readFolder(dir);
  const names: string[] = [];
  for (const entry of entries) {
    if (isHiddenName(entry.name)) continue;
    const isDir =
      entry.isDirectory() ||
      (entry.isSymbolicLink() && ((await stat(path.join(dir, entry.name)).catch(() => null))?.isDirectory() ?? false));
    if (isDir) names.push(entry.name);
  }
  return names.sort();
}
