import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvColumnStats, readNumber } from './csv-stats-scan.js';

describe('CsvColumnStats', () => {
  it('reads numbers exactly as Number() does', () => {
    const texts = ['0', '-0', '12', '0.1', '-0.125', '.5', '1.', '2.00841', '1e-5', '-3E2', 'NaN', 'Infinity', '-', '', '1.2.3'];
    for (let i = 0; i < 2000; i++) texts.push((Math.random() * 10 ** ((i % 12) - 6)).toFixed(i % 18), String(Math.random() - 0.5));
    for (const text of texts) {
      const bytes = Buffer.from(`x${text}y`);
      assert.ok(Object.is(readNumber(bytes, 1, bytes.length - 1), Number(text)), text);
    }
  });

  it('keeps each metric column’s last and best, skips rows and blank cells, stops at a cut line', () => {
    const stats = new CsvColumnStats(['epoch', 'step', 'loss', 'acc', 'lr'], [null, null, 'min', 'max', null]);
    const text = '0,1,0.5,\r\n0,2,0.7,0.25,0.1\n0,3,,0.5,0.01\n0,4,0.6,0.4\n0,5,0.1';
    const cut = stats.scan(Buffer.from(text), 1);
    assert.equal(text.slice(cut), '0,5,0.1');
    assert.equal(stats.rows, 4);
    assert.deepEqual([...stats.last.slice(2)], [0.6, 0.4, 0.01]);
    assert.deepEqual([...stats.best.slice(2, 4)], [0.6, 0.5], 'the skipped first row (0.5) is not taken');
    assert.ok(Number.isNaN(stats.best[4]), 'no best for a column of no direction');
    assert.ok(Number.isNaN(stats.last[1]), 'step is not a metric');
  });
});
