/**
 * The image-folder data set: `root/<split>/<class>/**\/*.{jpg,png,...}` with
 * splits `train`, `val` (or `valid`) and `test`, as torchvision's
 * `ImageFolder` reads one split. Class indices come from the train split's
 * sub-folders in sorted order, and the other splits reuse them, so index 3
 * means the same class everywhere.
 *
 * @example
 * const train = await ImageFolder.load({ root: 'data/pets', split: 'train' });
 * const val = await ImageFolder.load({ root: 'data/pets', split: 'val', classes: train.classes });
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../../errors.js';
import { FileListDataset } from '../dataset.js';
import { classNameClashes } from './class-name-clashes.js';
import { IMAGE_EXTENSIONS, isHiddenName, isImageFile, listSubfolders, readFolder, walkImages } from './walk-images.js';

/** The three split names; `val` is also found as `valid/`. */
export type SplitName = 'train' | 'val' | 'test';

/** Folder names tried for each split, in order. */
export const SPLIT_FOLDERS: Readonly<Record<SplitName, readonly string[]>> = { train: ['train'], val: ['val', 'valid'], test: ['test'] };

/**
 * The folder of a split under `root`, or null when there is none.
 *
 * @example
 * await findSplitDir('data/pets', 'val'); // '/abs/data/pets/valid'
 */
export async function findSplitDir(root: string, split: SplitName): Promise<string | null> {
  for (const name of SPLIT_FOLDERS[split]) {
    const dir = path.resolve(root, name);
    if ((await stat(dir).catch(() => null))?.isDirectory()) return dir;
  }
  return null;
}

/**
 * Every class folder of one split and its image files (sorted), empty classes included.
 *
 * @example
 * const byClass = await scanSplitFolder('/data/pets/train'); // Map { 'cat' => [...], 'dog' => [...] }
 */
export async function scanSplitFolder(
  splitDir: string,
  options: { onLoop?: (linkPath: string) => void; onStray?: (file: string) => void } = {},
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  // Images directly under the split have no class folder: they are left out, and the caller is told.
  if (options.onStray !== undefined) {
    for (const entry of await readFolder(splitDir)) {
      if (entry.isFile() && !isHiddenName(entry.name) && isImageFile(entry.name)) options.onStray(path.join(splitDir, entry.name));
    }
  }
  for (const name of await listSubfolders(splitDir)) {
    out.set(name, await walkImages(path.join(splitDir, name), { onLoop: options.onLoop }));
  }
  return out;
}

/** Options for `ImageFolder.load`. */
export interface ImageFolderOptions {
  root: string;
  split: SplitName;
  /** Class names in index order; default: the train split's sub-folders, sorted. */
  classes?: readonly string[];
  /** Told about symbolic-link loops found (they are never followed twice). */
  onWarning?: (message: string) => void;
}

/** One split of an image folder. */
export class ImageFolder extends FileListDataset {
  private constructor(
    readonly splitDir: string,
    classes: readonly string[],
    paths: string[],
    targets: Int32Array,
  ) {
    super(paths, targets, classes);
  }

  /**
   * Reads one split's listing (no image is opened).
   *
   * @example
   * const test = await ImageFolder.load({ root: 'data', split: 'test', classes: train.classes });
   */
  static async load(options: ImageFolderOptions): Promise<ImageFolder> {
    const { root, split } = options;
    const splitDir = await findSplitDir(root, split);
    if (splitDir === null) {
      throw new DataError(
        `ImageFolder: expected a ${SPLIT_FOLDERS[split].join('/ or ')}/ folder under ${path.resolve(root)}, but got none`,
      );
    }
    const onLoop = (p: string): void => options.onWarning?.(`ImageFolder: symbolic-link loop at ${p} not followed`);
    const onStray = (file: string): void => options.onWarning?.(`ImageFolder: ${file} is not inside a class folder and is ignored`);
    const byClass = await scanSplitFolder(splitDir, { onLoop, onStray });
    const classes = options.classes ?? (await trainClasses(root, split === 'train' ? byClass : null));
    if (split === 'train') for (const message of classNameClashes(classes, 'ImageFolder', splitDir)) options.onWarning?.(message);
    const index = new Map(classes.map((c, i) => [c, i]));
    const paths: string[] = [];
    const targets: number[] = [];
    for (const [name, files] of byClass) {
      const idx = index.get(name);
      if (idx === undefined) {
        if (files.length === 0) continue;
        const twin = classes.find((c) => c.normalize('NFC') === name.normalize('NFC'));
        const hint = twin === undefined ? '' : ` (the train class '${twin}' in another Unicode form: rename one)`;
        throw new DataError(
          `ImageFolder: expected the classes of ${split}/ to be among the train classes (${classes.join(', ')}), but got '${name}' in ${splitDir}${hint}`,
        );
      }
      if (files.length === 0 && split === 'train') {
        throw new DataError(
          `ImageFolder: expected at least one image (${[...IMAGE_EXTENSIONS].join(', ')}) in every class folder, but got none in ${path.join(splitDir, name)}`,
        );
      }
      for (const file of files) {
        paths.push(file);
        targets.push(idx);
      }
    }
    if (paths.length === 0) throw new DataError(`ImageFolder: expected images in ${splitDir}/<class>/, but got none`);
    return new ImageFolder(splitDir, classes, paths, Int32Array.from(targets));
  }
}

async function trainClasses(root: string, scanned: Map<string, string[]> | null): Promise<string[]> {
  if (scanned !== null) return [...scanned.keys()];
  const trainDir = await findSplitDir(root, 'train');
  if (trainDir === null)
    throw new DataError(
      `ImageFolder: expected a train/ folder under ${path.resolve(root)} to define the classes, but got none (pass classes to load another split alone)`,
    );
  return listSubfolders(trainDir);
}
