import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../training/loggers/csv.js';
import { metricColumns, summaryCsv, summaryTable } from './sweep-summary.js';
import type { SummaryRow } from './sweep-summary.js';

const rows: SummaryRow[] = [
  {
    n: 0,
    swept: { model: 'resnet18', 'optimizer.lr': '0.1' },
    status: 'success',
    metrics: {
      'train/loss': 0.5,
      'train/loss_step': 0.4,
      'val/loss': 0.25,
      'val/acc_top1': 0.875,
      'val/acc_class/cat': 1,
      'lr-AdamW/pg1': 0.001,
      lr: 0.001,
      'test/acc_top1': 0.8125,
    },
  },
  { n: 1, swept: { model: 'resnet34', 'optimizer.lr': '0.1' }, status: 'failed', metrics: {} },
  { n: 2, swept: { model: 'a, "b"', 'optimizer.lr': '0.01' }, status: 'pending', metrics: {} },
];

void test('the metric columns: epoch-level val, test, train metrics; per-class, per-step and lr values left out', () => {
  assert.deepEqual(metricColumns(rows), ['val/loss', 'val/acc_top1', 'test/acc_top1', 'train/loss']);
  assert.deepEqual(metricColumns([]), []);
});

void test('the CSV: n, the swept keys, status, metrics at full precision; empty cells where a run has none', () => {
  const csv = summaryCsv(['model', 'optimizer.lr'], rows);
  assert.deepEqual(parseCsv(csv), [
    ['n', 'model', 'optimizer.lr', 'status', 'val/loss', 'val/acc_top1', 'test/acc_top1', 'train/loss'],
    ['0', 'resnet18', '0.1', 'success', '0.25', '0.875', '0.8125', '0.5'],
    ['1', 'resnet34', '0.1', 'failed', '', '', '', ''],
    ['2', 'a, "b"', '0.01', 'pending', '', '', '', ''],
  ]);
  assert.match(csv, /^2,"a, ""b""",0\.01,pending,,,,$/m, 'quoted as metrics.csv quotes');
});

void test('the table: aligned columns, metrics to 4 decimals', () => {
  const lines = summaryTable(['model'], rows.slice(0, 2)).split('\n');
  assert.deepEqual(lines, [
    'n  model     status   val/loss  val/acc_top1  test/acc_top1  train/loss',
    '0  resnet18  success  0.2500    0.8750        0.8125         0.5000',
    '1  resnet34  failed',
  ]);
});
