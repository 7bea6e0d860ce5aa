/**
 * Turns the label names of annotation rows (JSONL lines, CSV records) into
 * class-index sets, with the rules both formats share: a single-label run
 * takes exactly one label per row (a list of several names the `task`
 * setting that reads them), a multi-label run takes any number, none
 * included; a label outside the classes skips the row or fails, as the
 * caller chooses.
 *
 * @example
 * labelSetsOf(rows, { classes: ['cat', 'dog'], multiLabel: true, component: 'CsvDataset', unknown: 'fail' }).sets; // [[0, 1], []]
 */
import { DataError } from '../../errors.js';

/** A row as the formats parse it: its label names and its `file:line`. */
export interface LabelledRow {
  labels: readonly string[];
  location: string;
}

/** Options for `labelSetsOf`. */
export interface LabelSetsOptions {
  classes: readonly string[];
  multiLabel: boolean;
  /** Names the format in messages. */
  component: string;
  /** A label outside `classes`: skip its row (counted) or fail naming file:line. */
  unknown: 'skip' | 'fail';
}

/** What `labelSetsOf` read: the sets of the rows kept and which rows those are. */
export interface LabelSetsResult {
  /** Class indices per kept row, ascending. */
  sets: number[][];
  /** Indices into the rows of the rows kept. */
  kept: number[];
  skipped: number;
  /** The distinct unknown labels of skipped rows, in order of appearance. */
  unknown: string[];
}

/**
 * Class-index sets of `rows` (see the module doc for the rules).
 *
 * @example
 * const { sets, kept } = labelSetsOf(rows, { classes, multiLabel: false, component: 'JsonlDataset', unknown: 'skip' });
 */
export function labelSetsOf(rows: readonly LabelledRow[], options: LabelSetsOptions): LabelSetsResult {
  const index = new Map(options.classes.map((c, i) => [c, i]));
  const out: LabelSetsResult = { sets: [], kept: [], skipped: 0, unknown: [] };
  rows.forEach((row, r) => {
    if (!options.multiLabel) checkSingle(row, options.component);
    const missing = row.labels.filter((l) => !index.has(l));
    if (missing.length > 0) {
      if (options.unknown === 'fail') throw unknownLabel(missing[0], row.location, options);
      out.skipped++;
      for (const l of missing) if (!out.unknown.includes(l)) out.unknown.push(l);
      return;
    }
    out.sets.push(row.labels.map((l) => index.get(l) as number).sort((a, b) => a - b));
    out.kept.push(r);
  });
  return out;
}

function checkSingle(row: LabelledRow, component: string): void {
  if (row.labels.length === 1) return;
  if (row.labels.length === 0)
    throw new DataError(
      `${component}: expected one label per image, but got none at ${row.location} (an image without labels needs a multi-label run: set task=multilabel)`,
    );
  const names = row.labels.map((l) => `'${l}'`).join(', ');
  throw new DataError(
    `${component}: expected one label per image, but got ${row.labels.length} (${names}) at ${row.location}; set task=multilabel to train on several labels per image`,
  );
}

function unknownLabel(label: string, location: string, options: LabelSetsOptions): DataError {
  const shown = options.classes.slice(0, 10).join(', ') + (options.classes.length > 10 ? ', ...' : '');
  return new DataError(`${options.component}: expected labels among the classes (${shown}), but got '${label}' at ${location}`);
}
