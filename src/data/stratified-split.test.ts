import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedSplit } from './stratified-split.js';

void test('stratifiedSplit keeps each class proportion and is seeded', () => {
  const targets = [...Array(100).fill(0), ...Array(50).fill(1), ...Array(10).fill(2), 3] as number[];
  const { train, val } = stratifiedSplit({ targets, fraction: 0.2, seed: 7 });
  const count = (idx: number[], c: number): number => idx.filter((i) => targets[i] === c).length;
  assert.deepEqual(
    [0, 1, 2, 3].map((c) => count(val, c)),
    [20, 10, 2, 0],
  );
  assert.equal(train.length + val.length, targets.length);
  assert.equal(new Set([...train, ...val]).size, targets.length);
  assert.deepEqual(stratifiedSplit({ targets, fraction: 0.2, seed: 7 }).val, val);
  assert.notDeepEqual(stratifiedSplit({ targets, fraction: 0.2, seed: 8 }).val, val);
  assert.deepEqual(
    val,
    [...val].sort((a, b) => a - b),
  );
  // A class of two gives one to val even at a tiny fraction; a fraction out of range is refused.
  assert.equal(stratifiedSplit({ targets: [0, 0, 1, 1, 1, 1, 1, 1, 1, 1], fraction: 0.05, seed: 0 }).val.length, 2);
  assert.throws(() => stratifiedSplit({ targets, fraction: 1, seed: 0 }), /\[0, 1\)/);
});
