import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCsvRow, parseCsv } from './csv.js';

void test('formatCsvRow quotes only what needs quoting', () => {
  assert.equal(formatCsvRow(['epoch', 'step', 'val/loss']), 'epoch,step,val/loss\n');
  assert.equal(formatCsvRow(['a,b', 'say "hi"', 'two\nlines', ' pad', '']), '"a,b","say ""hi""","two\nlines"," pad",\n');
});

void test('parseCsv reads quotes, doubled quotes, line breaks inside quotes and CRLF', () => {
  assert.deepEqual(parseCsv('a,"b,c","d ""e"""\r\n"x\ny",,""\n'), [
    ['a', 'b,c', 'd "e"'],
    ['x\ny', '', ''],
  ]);
  assert.deepEqual(parseCsv('a,b'), [['a', 'b']]);
  assert.deepEqual(parseCsv(''), []);
  const fields = ['', ',', '"', '""', 'a "b" c', '\n', ' x '];
  assert.deepEqual(parseCsv(formatCsvRow(fields) + formatCsvRow(['1', '2'])), [fields, ['1', '2']]);
  assert.throws(() => parseCsv('a,"b\n', 'metrics.csv'), /metrics\.csv: expected a closing quote/);
});
