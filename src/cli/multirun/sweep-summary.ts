/**
 * A sweep's summary: one row per run with its number, the value of each
 * swept key, its status and its final metrics, as CSV (`multirun.csv`, the
 * dialect of metrics.csv) and as an aligned table for the terminal. The
 * metrics are the epoch-level ones of each stage (`val/acc_top1`,
 * `test/loss`, `train/loss`); per-class and per-step values stay in each
 * run's metrics.csv.
 *
 * @example
 * const rows = [{ n: 0, swept: { model: 'resnet18' }, status: 'success', metrics: { 'val/acc_top1': 0.9 } }];
 * summaryCsv(['model'], rows); // 'n,model,status,val/acc_top1\n0,resnet18,success,0.9\n'
 */
import { formatCsvRow } from '../../training/loggers/csv.js';

/** How a run of the sweep ended (pending: not run yet). */
export type RunStatus = 'success' | 'failed' | 'interrupted' | 'pending';

/** One run in the summary. */
export interface SummaryRow {
  n: number;
  /** The swept keys' values as typed. */
  swept: Record<string, string>;
  status: RunStatus;
  /** Final metrics (empty unless the run succeeded). */
  metrics: Record<string, number>;
}

const stageOrder = ['val', 'test', 'train'];

/** The epoch-level metrics of each stage, in the order val, test, train (each in first-seen order). */
export function metricColumns(rows: readonly SummaryRow[]): string[] {
  const seen = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  const kept = seen.filter((k) => /^(val|test|train)\/[^/]+$/.test(k) && !k.endsWith('_step'));
  return stageOrder.flatMap((stage) => kept.filter((k) => k.startsWith(`${stage}/`)));
}

function cells(keys: readonly string[], rows: readonly SummaryRow[], number: (v: number) => string): string[][] {
  const metrics = metricColumns(rows);
  const header = ['n', ...keys, 'status', ...metrics];
  const body = rows.map((r) => [
    String(r.n),
    ...keys.map((k) => r.swept[k] ?? ''),
    r.status,
    ...metrics.map((m) => (r.metrics[m] === undefined ? '' : number(r.metrics[m]))),
  ]);
  return [header, ...body];
}

/** The summary as CSV text, full precision. @example summaryCsv(['optimizer.lr'], rows); */
export function summaryCsv(keys: readonly string[], rows: readonly SummaryRow[]): string {
  return cells(keys, rows, String)
    .map((r) => formatCsvRow(r))
    .join('');
}

/** The summary as an aligned text table, metrics to 4 decimals. @example console.log(summaryTable(['model'], rows)); */
export function summaryTable(keys: readonly string[], rows: readonly SummaryRow[]): string {
  const table = cells(keys, rows, (v) => (Number.isInteger(v) ? String(v) : v.toFixed(4)));
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  return table
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
