/**
 * Byte-identical images in more than one split, found by `data check`
 * (sha256 of every file), listed beside the likely label errors as
 * `<run>/analysis/duplicates.csv`: a test image that is also a training
 * image inflates the accuracy the analysis reports, and two copies with
 * different labels are a label error of their own. Each row is one pair of
 * files from different splits. Hashing reads every file, so a data set of
 * more than `maxFiles` images is left to `classifier-training data check`;
 * IDX data (Fashion-MNIST) has no files to compare.
 *
 * @example
 * const { summary } = await analyzeDuplicates(runDir, { root: dm.root, format: dm.format, files: 5000 });
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { dataCheck } from '../data/data-check.js';
import { SerializationError, fsReason } from '../errors.js';
import { writeFileReplacing } from '../training/plots/write-file-replacing.js';
import { analysisFiles } from './analysis-files.js';
import { toCsv } from './csv.js';

/** The file name inside `<run>/analysis/`. */
export const DUPLICATES_CSV = analysisFiles.duplicatesCsv;

/** Options of `analyzeDuplicates`. */
export interface AnalyzeDuplicatesOptions {
  /** The data set's folder. */
  root: string;
  format: 'folder' | 'jsonl' | 'csv' | 'idx' | 'mosaic';
  /** How many images the data set holds (known from its splits), to decide whether hashing is cheap. */
  files: number;
  /** Above this, no hashing (default 100 000). */
  maxFiles?: number;
}

/** One pair of identical files from different splits. */
export interface DuplicatePair {
  splitA: string;
  pathA: string;
  splitB: string;
  pathB: string;
  sha256: string;
}

/**
 * Writes `duplicates.csv` (or removes an old one when the check is skipped) and returns the pairs and a console line.
 *
 * @example
 * console.log((await analyzeDuplicates('outputs/r1', { root: 'data/pets', format: 'folder', files: 7390 })).summary);
 */
export async function analyzeDuplicates(
  runDir: string,
  options: AnalyzeDuplicatesOptions,
): Promise<{ pairs: DuplicatePair[] | null; summary: string }> {
  const csv = path.join(runDir, analysisFiles.dir, DUPLICATES_CSV);
  const maxFiles = options.maxFiles ?? 100_000;
  const generated = options.format === 'idx' || options.format === 'mosaic';
  if (generated || options.files > maxFiles) {
    try {
      await rm(csv, { force: true });
    } catch (error) {
      throw new SerializationError(`analysis: expected to remove the old ${csv}, but got ${fsReason(error)}`, { cause: error });
    }
    const why = generated
      ? `${options.format === 'idx' ? 'IDX' : 'mosaic'} data has no image files`
      : `${options.files} images: run classifier-training data check`;
    return { pairs: null, summary: `duplicates across splits: not checked (${why})` };
  }
  const report = await dataCheck(options.root, { format: options.format, decode: false });
  // An image folder's split is the first folder under the root; a JSONL split's images may be anywhere
  // (data check has already kept only groups that span splits).
  const splitOf = (file: string): string =>
    options.format === 'folder' ? path.relative(report.root, path.resolve(file)).split(path.sep)[0] : '';
  const pairs: DuplicatePair[] = [];
  for (const { sha256, paths } of report.duplicates) {
    for (let a = 0; a < paths.length; a++) {
      for (let b = a + 1; b < paths.length; b++) {
        const [splitA, splitB] = [splitOf(paths[a]), splitOf(paths[b])];
        if (splitA !== splitB || splitA === '') pairs.push({ splitA, pathA: paths[a], splitB, pathB: paths[b], sha256 });
      }
    }
  }
  await writeFileReplacing(
    csv,
    toCsv(
      ['split_a', 'path_a', 'split_b', 'path_b', 'sha256'],
      pairs.map((p) => [p.splitA, p.pathA, p.splitB, p.pathB, p.sha256]),
    ),
  );
  return { pairs, summary: `duplicates across splits: ${pairs.length === 0 ? 'none' : `${pairs.length} pairs (${DUPLICATES_CSV})`}` };
}
