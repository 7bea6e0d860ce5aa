/**
 * An RFC 4180 CSV reader: comma-separated fields, a field in double quotes
 * may hold commas, line breaks and doubled quotes (`"a ""b"", c"`); lines
 * end in LF or CRLF; blank lines are skipped. Each record keeps the line it
 * starts on, so every later error can name `file:line`. A quote inside an
 * unquoted field, text after a closing quote and an unclosed quote are
 * errors: read loosely, they would shift a path into a label.
 *
 * @example
 * csvRecords('path,label\n"a,b.jpg",cat\n', 'train.csv'); // [{ fields: ['path', 'label'], line: 1 }, { fields: ['a,b.jpg', 'cat'], line: 2 }]
 */
import { DataError } from '../../errors.js';

/** One record: its fields, unquoted, and the line it starts on (1-based). */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * The records of a CSV text (see the module doc for the grammar).
 *
 * @example
 * for (const { fields, line } of csvRecords(text, file)) { ... }
 */
export function csvRecords(text: string, file: string, component = 'CsvDataset'): CsvRecord[] {
  const records: CsvRecord[] = [];
  const fail = (what: string, line: number): DataError =>
    new DataError(`${component}: expected RFC 4180 CSV, but got ${what} at ${file}:${line}`);
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw fail('a quoted field that is never closed', start);
          const c = text[i];
          if (c === '"' && text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else if (c === '"') {
            i++;
            break;
          } else {
            if (c === '\n') line++;
            field += c;
            i++;
          }
        }
        if (i < text.length && !isEnd(text, i) && text[i] !== ',') throw fail('text after a closing quote', line);
      } else {
        while (i < text.length && text[i] !== ',' && !isEnd(text, i)) {
          if (text[i] === '"') throw fail('a quote inside an unquoted field (quote the whole field and double the quote)', line);
          field += text[i++];
        }
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      i += text[i] === '\r' ? 2 : 1;
      break;
    }
    if (!(fields.length === 1 && fields[0] === '')) records.push({ fields, line: start });
    line++;
  }
  return records;
}

/** At a line end: LF, or CR LF (a lone CR is field text). */
function isEnd(text: string, i: number): boolean {
  return text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n');
}
