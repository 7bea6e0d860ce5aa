/**
 * Writes likely label errors into `<run>/analysis/`: `label_issues.csv`
 * (rank, path, given label, suggested label, score, confident: 1 for
 * confident learning's issues, 0 for the mere disagreements listed after
 * them; rank 0 the most likely wrong) and a thumbnail of the first ones as `label_issues/<rank>.png`, the
 * names the report's Analysis section reads. Earlier thumbnails are removed
 * first: their ranks belong to the old list.
 *
 * @example
 * const { issues } = findLabelIssues({ probs: p.probs, labels: p.targets, numClasses: p.classNames.length });
 * await writeLabelIssues(runDir, p, issues, { sourceOf: (sample) => dataset.source(p.indices[sample]) });
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ImageDataset, ImageSource } from '../data/dataset.js';
import { SerializationError, fsReason } from '../errors.js';
import { writeFileReplacing } from '../training/plots/write-file-replacing.js';
import { LABEL_ISSUE_THUMBNAILS, analysisFiles, galleryFile } from './analysis-files.js';
import { toCsv } from './csv.js';
import { findLabelIssues } from './label-issues.js';
import type { LabelIssue } from './label-issues.js';
import type { Predictions } from './predictions.js';
import { thumbnail } from './write-analysis.js';

/** Options of `writeLabelIssues`. */
export interface WriteLabelIssuesOptions {
  /** The pixels of sample `sample` of the predictions (absent: no thumbnails). */
  sourceOf?: (sample: number) => ImageSource | null;
  /** Thumbnails of the first this many issues (default `LABEL_ISSUE_THUMBNAILS`): a noisy data set can have thousands. */
  thumbnails?: number;
}

/**
 * Writes the CSV and the thumbnails; returns the CSV's path.
 *
 * @example
 * await writeLabelIssues('outputs/r1', predictions, issues);
 */
export async function writeLabelIssues(
  runDir: string,
  predictions: Pick<Predictions, 'paths' | 'classNames'>,
  issues: readonly LabelIssue[],
  options: WriteLabelIssuesOptions = {},
): Promise<string> {
  const dir = path.join(runDir, analysisFiles.dir);
  const gallery = path.join(dir, analysisFiles.labelIssuesDir);
  try {
    await rm(gallery, { recursive: true, force: true });
  } catch (error) {
    throw new SerializationError(`analysis: expected to remove the old ${gallery}, but got ${fsReason(error)}`, { cause: error });
  }
  const name = (c: number): string => predictions.classNames[c] ?? String(c);
  const csv = path.join(dir, analysisFiles.labelIssuesCsv);
  await writeFileReplacing(
    csv,
    toCsv(
      ['rank', 'path', 'given', 'suggested', 'score', 'confident'],
      issues.map((issue, rank) => [
        rank,
        predictions.paths[issue.index],
        name(issue.givenLabel),
        name(issue.suggestedLabel),
        issue.score,
        issue.confident ? 1 : 0,
      ]),
    ),
  );
  const { sourceOf } = options;
  if (sourceOf === undefined) return csv;
  for (const [rank, issue] of issues.slice(0, options.thumbnails ?? LABEL_ISSUE_THUMBNAILS).entries()) {
    const source = sourceOf(issue.index);
    // An image that cannot be read again (moved, deleted) leaves its row without a picture.
    const png = source === null ? null : await thumbnail(source).catch(() => null);
    if (png !== null) await writeFileReplacing(path.join(dir, galleryFile(analysisFiles.labelIssuesDir, rank)), png);
  }
  return csv;
}

/**
 * One line for the console: how many samples confident learning finds mislabelled (and how many more
 * the model merely disagrees with), and the first few.
 *
 * @example
 * labelIssuesSummary(issues, predictions, 'train (3-fold cross-validation)');
 * // 'likely label errors: 12 of 600 train (3-fold cross-validation) samples (+4 disagreements); first: cat/3.png (cat -> dog), ...'
 */
export function labelIssuesSummary(
  issues: readonly LabelIssue[],
  predictions: Pick<Predictions, 'paths' | 'classNames' | 'targets'>,
  where: string,
  lines = 3,
): string {
  const name = (c: number): string => predictions.classNames[c] ?? String(c);
  const first = issues
    .slice(0, lines)
    .map((i) => `${shortPath(predictions.paths[i.index])} (${name(i.givenLabel)} -> ${name(i.suggestedLabel)})`);
  const confident = issues.filter((i) => i.confident).length;
  const more = issues.length - confident;
  const head = `likely label errors: ${confident} of ${predictions.targets.length} ${where} samples${more > 0 ? ` (+${more} disagreements)` : ''}`;
  return first.length === 0 ? head : `${head}; first: ${first.join(', ')}`;
}

/**
 * Finds the likely label errors of out-of-sample predictions (confident learning's issues, then the
 * other disagreements), writes them with thumbnails from `dataset`, and returns them with the console line.
 *
 * @example
 * const { summary } = await analyzeLabelIssues(runDir, predictions, { dataset: dm.val, where: 'val' });
 */
export async function analyzeLabelIssues(
  runDir: string,
  predictions: Predictions,
  options: { dataset: ImageDataset | null; where: string },
): Promise<{ issues: LabelIssue[]; csv: string; summary: string }> {
  const { probs, targets, classNames } = predictions;
  const { issues } = findLabelIssues({ probs, labels: targets, numClasses: classNames.length, withDisagreements: true });
  const { dataset } = options;
  const sourceOf = dataset === null ? undefined : (sample: number) => dataset.source(predictions.indices[sample]);
  const csv = await writeLabelIssues(runDir, predictions, issues, sourceOf === undefined ? {} : { sourceOf });
  return { issues, csv, summary: labelIssuesSummary(issues, predictions, options.where) };
}

/** A path's folder and file name (`cat/3.png`), enough to find it in a class folder. */
function shortPath(p: string): string {
  return path.join(path.basename(path.dirname(p)), path.basename(p));
}
