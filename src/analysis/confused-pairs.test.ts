import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mostConfused } from './confused-pairs.js';

test('most-confused pairs: off-diagonal only, by count, then by share of the true class, then class order', () => {
  const counts = [
    [5, 3, 0],
    [1, 4, 3],
    [2, 1, 9],
  ];
  assert.deepEqual(mostConfused(counts, ['cat', 'dog', 'fox']), [
    { trueClass: 'cat', predicted: 'dog', count: 3, share: 3 / 8 },
    { trueClass: 'dog', predicted: 'fox', count: 3, share: 3 / 8 },
    { trueClass: 'fox', predicted: 'cat', count: 2, share: 2 / 12 },
    { trueClass: 'dog', predicted: 'cat', count: 1, share: 1 / 8 },
    { trueClass: 'fox', predicted: 'dog', count: 1, share: 1 / 12 },
  ]);
  const larger = mostConfused(
    [
      [1, 2],
      [2, 10],
    ],
    ['a', 'b'],
  );
  assert.deepEqual(
    larger.map((p) => p.trueClass),
    ['a', 'b'],
    'equal counts: the larger share of its class first',
  );
  assert.deepEqual(
    mostConfused(counts, ['cat', 'dog', 'fox'], { minCount: 2, limit: 2 }).map((p) => `${p.trueClass}>${p.predicted}`),
    ['cat>dog', 'dog>fox'],
  );
  assert.deepEqual(mostConfused([[4]], ['only']), [], 'no confusion, no pairs');
});
