import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomSampler } from './random-sampler.js';
import { inverseFrequencyWeights, rareLabelWeights, WeightedRandomSampler } from './weighted-random-sampler.js';

void test('RandomSampler gives a seeded permutation per epoch', () => {
  const s = new RandomSampler({ length: 50, seed: 3 });
  const e0 = s.indices(0);
  assert.deepEqual(
    [...e0].sort((a, b) => a - b),
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.deepEqual(new RandomSampler({ length: 50, seed: 3 }).indices(0), e0);
  assert.notDeepEqual(s.indices(1), e0);
  assert.throws(() => new RandomSampler({ length: 5, seed: 0, numSamples: 6 }), /replacement/);
  assert.equal(new RandomSampler({ length: 5, seed: 0, numSamples: 12, replacement: true }).indices(0).length, 12);
});

void test('WeightedRandomSampler balances classes with inverse-frequency weights', () => {
  const targets = Int32Array.from([...Array(900).fill(0), ...Array(100).fill(1)]);
  const weights = inverseFrequencyWeights(targets);
  assert.equal(weights[0], 1 / 900);
  assert.equal(weights[999], 1 / 100);
  const sampler = new WeightedRandomSampler({ weights, seed: 1, numSamples: 20000 });
  const drawn = sampler.indices(0);
  const minority = drawn.filter((i) => targets[i] === 1).length / drawn.length;
  assert.ok(Math.abs(minority - 0.5) < 0.02, `minority share ${minority}`);
  assert.deepEqual(new WeightedRandomSampler({ weights, seed: 1, numSamples: 20000 }).indices(0), drawn);
  assert.notDeepEqual(sampler.indices(1).slice(0, 50), drawn.slice(0, 50));
});

void test('WeightedRandomSampler without replacement draws distinct indices, never zero-weight ones', () => {
  const weights = [0, 1, 1, 5, 0, 2];
  const s = new WeightedRandomSampler({ weights, seed: 0, replacement: false, numSamples: 4 });
  const drawn = s.indices(0);
  assert.deepEqual([...drawn].sort(), [1, 2, 3, 5]);
  // Heavier weight is drawn first more often.
  let firstIsHeavy = 0;
  for (let e = 0; e < 400; e++) if (s.indices(e)[0] === 3) firstIsHeavy++;
  assert.ok(Math.abs(firstIsHeavy / 400 - 5 / 9) < 0.08, `P(first = 3) = ${firstIsHeavy / 400}`);
  assert.throws(() => new WeightedRandomSampler({ weights, seed: 0, replacement: false, numSamples: 5 }), /numSamples <= 4/);
  assert.throws(() => new WeightedRandomSampler({ weights: [1, -1], seed: 0 }), /non-negative/);
});

void test('rareLabelWeights draws every multi-label sample as often as its rarest label asks', () => {
  // 900 images of label 0, 90 of labels 0 and 1, 10 of label 2, 20 with no label.
  const sets = [...Array(900).fill([0]), ...Array(90).fill([0, 1]), ...Array(10).fill([2]), ...Array(20).fill([])] as number[][];
  const weights = rareLabelWeights(sets, 3);
  assert.deepEqual([weights[0], weights[900], weights[990], weights[1000]], [1 / 990, 1 / 90, 1 / 10, 1 / 20]);
  const drawn = new WeightedRandomSampler({ weights, seed: 2, numSamples: 40000 }).indices(0);
  const share = (test: (set: number[]) => boolean): number => drawn.filter((i) => test(sets[i])).length / drawn.length;
  // Expected shares: each group's total weight over the sum 900/990 + 1 + 1 + 1.
  const total = 900 / 990 + 3;
  const expected = { label1: 1 / total, label2: 1 / total, none: 1 / total, onlyLabel0: 900 / 990 / total };
  const got = {
    label1: share((s) => s.includes(1)),
    label2: share((s) => s.includes(2)),
    none: share((s) => s.length === 0),
    onlyLabel0: share((s) => s.length === 1 && s[0] === 0),
  };
  for (const key of Object.keys(expected) as (keyof typeof expected)[])
    assert.ok(Math.abs(got[key] - expected[key]) < 0.01, `${key}: ${got[key]} drawn, ${expected[key]} expected`);
  // Label 2 is 1% of the data and about a quarter of the draws.
  assert.ok(got.label2 > 20 * (10 / sets.length));
});
