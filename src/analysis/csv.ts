/**
 * The analysis CSVs in metrics.csv's dialect (`formatCsvRow`: RFC 4180, a
 * field with a comma, a quote or a line break quoted, quotes doubled), with
 * numbers as JavaScript prints them. Class names and file paths come from
 * users, so nothing is assumed about them; `parseCsv` reads them back.
 *
 * @example
 * toCsv(['class', 'f1'], [['a, "b"', 0.5]]); // 'class,f1\n"a, ""b""",0.5\n'
 */
import { formatCsvRow } from '../training/loggers/csv.js';

/** A cell: text, a number (NaN as empty) or nothing. */
export type CsvCell = string | number | null | undefined;

function cell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isNaN(value) ? '' : String(value);
  return value;
}

/**
 * The CSV text of a header and rows.
 *
 * @example
 * writeFileSync('per_class.csv', toCsv(['name'], [['cat']]));
 */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => formatCsvRow(row.map(cell))).join('');
}
