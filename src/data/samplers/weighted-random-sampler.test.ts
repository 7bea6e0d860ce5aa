import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomSampler } from './random-sampler.js';
import { inverseFrequencyWeights, WeightedRandomSampler } from './weighted-random-sampler.js';

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
