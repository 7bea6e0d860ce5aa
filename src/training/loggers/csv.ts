/**
 * The CSV dialect of metrics.csv (RFC 4180, as Python's `csv` module writes
 * it): comma-separated, a field quoted when it holds a comma, a quote, a
 * line break or surrounding spaces, quotes doubled inside quotes, rows ended
 * by `\n`.
 *
 * @example
 * formatCsvRow(['epoch', 'step', 'val/acc, top1']); // 'epoch,step,"val/acc, top1"\n'
 * parseCsv('a,"b ""c"""\n1,2\n');                  // [['a', 'b "c"'], ['1', '2']]
 */
import { SerializationError } from '../../errors.js';

function quote(field: string): string {
  return /[",\r\n]|^\s|\s$/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/**
 * One CSV line (with its `\n`).
 *
 * @example
 * formatCsvRow(['0', '10', '']); // '0,10,\n'
 */
export function formatCsvRow(fields: readonly string[]): string {
  return `${fields.map(quote).join(',')}\n`;
}

/**
 * Rows of a CSV text; a trailing line break does not add an empty row.
 *
 * @example
 * parseCsv('epoch,step\n0,10\n'); // [['epoch', 'step'], ['0', '10']]
 */
export function parseCsv(text: string, source = 'CSV'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (quoted) {
      field += c;
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else {
      field += c;
    }
    i++;
  }
  if (quoted) throw new SerializationError(`${source}: expected a closing quote, but got the end of the file`);
  if (field !== '' || row.length > 0) endRow();
  return rows;
}
