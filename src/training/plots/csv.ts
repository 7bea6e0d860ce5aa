/**
 * RFC 4180 CSV for the small tables plots write (a confusion matrix):
 * fields with a comma, a quote or a line break are quoted, quotes doubled.
 *
 * @example
 * toCsv([['true\\pred', 'cat'], ['cat', 3]]); // 'true\\pred,cat\ncat,3\n'
 */

function field(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The rows as CSV text, one line per row, ending with a newline.
 *
 * @example
 * toCsv([['a', 1]]); // 'a,1\n'
 */
export function toCsv(rows: readonly (readonly (string | number)[])[]): string {
  return rows.map((row) => row.map(field).join(',')).join('\n') + '\n';
}
