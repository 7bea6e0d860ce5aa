import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../training/loggers/csv.js';
import { toCsv } from './csv.js';

test('CSV cells with commas, quotes, line breaks and spaces read back as they were', () => {
  const nasty = ['plain', 'a, b', 'say "hi"', 'two\nlines', 'cr\r\nlf', ' padded ', '"', ',', 'ünïcødé 猫', ''];
  const text = toCsv(
    ['name', 'value'],
    nasty.map((name, i) => [name, i / 3]),
  );
  const [header, ...rows] = parseCsv(text);
  assert.deepEqual(header, ['name', 'value']);
  assert.deepEqual(
    rows.map((r) => r[0]),
    nasty,
  );
  assert.deepEqual(
    rows.map((r) => Number(r[1])),
    nasty.map((_, i) => i / 3),
  );
});

test('CSV numbers as JavaScript prints them; NaN, null and undefined as empty cells', () => {
  assert.equal(toCsv(['a', 'b', 'c', 'd'], [[0.1, Number.NaN, null, undefined]]), 'a,b,c,d\n0.1,,,\n');
});
