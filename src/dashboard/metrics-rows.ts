/**
 * Parsing a run's metrics log line by line, for the tailer: `metrics.csv`
 * (the CSV logger's: `epoch,step,<metric>…`, blank where a metric was not
 * logged on that row) or `metrics.jsonl` (the JSONL logger's: one object per
 * row with `epoch`, `step`, `time` in ISO 8601 and the metrics; `hparams`
 * lines are skipped). Read as text: the dashboard never imports the loggers.
 *
 * @example
 * const parser = rowParser('csv');
 * parser('epoch,step,train/loss_step'); // null (the header)
 * parser('0,10,0.52'); // { epoch: 0, step: 10, values: { 'train/loss_step': 0.52 } }
 */
import type { MetricsRow } from './api-types.js';

/** The log formats the tailer reads. */
export type MetricsFormat = 'csv' | 'jsonl';

/** A parsed row with its absolute time (ms since the epoch) when the log has one. */
export interface ParsedRow extends MetricsRow {
  timeMs?: number;
}

/** Splits one CSV line (RFC 4180 quotes; a row never spans lines in these logs). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

function csvParser(): (line: string) => ParsedRow | null {
  let columns: string[] | null = null;
  let epochAt = -1;
  let stepAt = -1;
  return (line) => {
    const fields = splitCsvLine(line);
    if (columns === null) {
      columns = fields;
      epochAt = fields.indexOf('epoch');
      stepAt = fields.indexOf('step');
      return null;
    }
    const row: ParsedRow = { values: {} };
    for (let i = 0; i < fields.length && i < columns.length; i++) {
      const text = fields[i];
      if (text === '') continue;
      const value = Number(text);
      if (Number.isNaN(value) && text !== 'NaN') continue;
      if (i === epochAt) row.epoch = value;
      else if (i === stepAt) row.step = value;
      else row.values[columns[i]] = value;
    }
    return row;
  };
}

function jsonlParser(): (line: string) => ParsedRow | null {
  return (line) => {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      return null; // a line cut by a crash: the rest of the log still reads
    }
    if (record === null || typeof record !== 'object' || 'hparams' in record) return null;
    const row: ParsedRow = { values: {} };
    for (const [key, value] of Object.entries(record as Record<string, unknown>)) {
      if (key === 'time' && typeof value === 'string') {
        const ms = Date.parse(value);
        if (!Number.isNaN(ms)) row.timeMs = ms;
      } else if (typeof value !== 'number') continue;
      else if (key === 'epoch') row.epoch = value;
      else if (key === 'step') row.step = value;
      else row.values[key] = value;
    }
    return row;
  };
}

/**
 * A line parser for one file, stateful for CSV (its first line is the header):
 * a row, or null for a header, an `hparams` line or a line that does not read.
 *
 * @example
 * const parse = rowParser('jsonl');
 * parse('{"epoch":0,"step":5,"time":"2026-12-01T00:00:00Z","train/loss_step":1.2}');
 */
export function rowParser(format: MetricsFormat): (line: string) => ParsedRow | null {
  return format === 'csv' ? csvParser() : jsonlParser();
}
