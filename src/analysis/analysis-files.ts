/**
 * The file names of `<run>/analysis/`, in one place: `analyze`, the fit-end
 * `Analysis` callback and the report read and write them by these names, so
 * a writer (label issues, calibration, Grad-CAM) and the report section that
 * shows its files agree without importing each other.
 *
 * @example
 * path.join(runDir, analysisFiles.dir, analysisFiles.perClassCsv); // '<run>/analysis/per_class.csv'
 */

/** Names inside the run directory; every name but `dir` is relative to `<run>/analysis/`. */
export const analysisFiles = {
  /** The folder, relative to the run directory. */
  dir: 'analysis',
  /** The run of the analysis: split, counts, accuracy, the worst classes and pairs. */
  summary: 'analysis.json',
  perClassCsv: 'per_class.csv',
  perClassJson: 'per_class.json',
  confusedPairsCsv: 'confused_pairs.csv',
  /** The confusion matrix: counts, normalised by row (recall) and by column (precision). */
  confusionJson: 'confusion.json',
  topLossesCsv: 'top_losses.csv',
  /** Thumbnails of the top losses, `top_losses/<rank>.png`, rank 0 the highest loss. */
  topLossesDir: 'top_losses',
  /** Likely label errors: path, given label, suggested label, score (written by the label-issues analysis). */
  labelIssuesCsv: 'label_issues.csv',
  /** Thumbnails of the likely label errors, `label_issues/<rank>.png` (the first `LABEL_ISSUE_THUMBNAILS`). */
  labelIssuesDir: 'label_issues',
  /** Pairs of identical image files in different splits (written by the duplicates check beside the label issues). */
  duplicatesCsv: 'duplicates.csv',
  /** Grad-CAM overlays of the top losses, `cam/<rank>.png` (rank as in `top_losses/`). */
  camDir: 'cam',
  /** Temperature scaling and ECE before / after (written by the calibration analysis). */
  calibrationJson: 'calibration.json',
  /** The reliability diagram. */
  reliabilityPng: 'reliability.png',
} as const;

/**
 * How many likely label errors get a thumbnail, and so a place in the report: a noisy data set can have
 * thousands, all of them in the CSV.
 *
 * @example
 * issues.slice(0, LABEL_ISSUE_THUMBNAILS);
 */
export const LABEL_ISSUE_THUMBNAILS = 32;

/**
 * The file of the `rank`-th image of a gallery folder (`top_losses`, `label_issues`, `cam`).
 *
 * @example
 * galleryFile(analysisFiles.camDir, 3); // 'cam/3.png'
 */
export function galleryFile(dir: string, rank: number): string {
  return `${dir}/${rank}.png`;
}
