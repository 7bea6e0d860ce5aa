import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ShapeError } from '../errors.js';
import { memory, tensor, tidy } from '../torch/index.js';
import { allCloseTo, metricCases, threeWays } from '../../test/fixtures/metrics/load-case.js';
import { MulticlassAccuracy } from './accuracy.js';
import { MulticlassF1Score } from './f1-score.js';
import { MulticlassPrecision } from './precision.js';
import { MulticlassRecall } from './recall.js';
import { classAverages } from './stat-scores.js';
import type { MulticlassStatScores, StatScoresOptions } from './stat-scores.js';

const kinds: [string, new (o: StatScoresOptions) => MulticlassStatScores][] = [
  ['accuracy', MulticlassAccuracy],
  ['precision', MulticlassPrecision],
  ['recall', MulticlassRecall],
  ['f1', MulticlassF1Score],
];

for (const c of metricCases()) {
  void test(`stat scores match torchmetrics: ${c.name}`, () => {
    tidy(() => {
      for (const k of c.topK) {
        for (const average of classAverages) {
          for (const [key, Kind] of kinds) {
            const make = (): MulticlassStatScores => new Kind({ numClasses: c.numClasses, topK: k, average, ignoreIndex: c.ignoreIndex });
            const expected = c.expected[`${key}/${average}/k${k}`];
            allCloseTo(threeWays(make, c), expected, `${c.name} ${key} ${average} top-${k}`);
          }
        }
      }
    });
  });
}

void test('stat scores: absent classes and macro weights (c5-absent, top-1)', () => {
  tidy(() => {
    const c = metricCases().find((x) => x.name === 'c5-absent')!;
    const acc = new MulticlassAccuracy({ numClasses: 5, average: 'none' });
    acc.update(c.preds, c.target);
    const perClass = acc.counts();
    // class 3 is neither predicted nor a target, class 4 is predicted but never a target
    const occurrences = perClass.tp.add(perClass.fp).add(perClass.fn).toArray() as number[];
    assert.equal(occurrences[3], 0);
    assert.ok((perClass.fp.toArray() as number[])[4] > 0);
    acc.dispose();
  });
});

void test('stat scores: state survives tidy, dispose frees it, reset starts over', () => {
  const before = memory().liveTensors;
  const acc = new MulticlassAccuracy({ numClasses: 3, average: 'micro' });
  tidy(() =>
    acc.update(
      tensor([
        [1, 0, 0],
        [0, 1, 0],
      ]),
      tensor([0n, 2n]),
    ),
  );
  assert.equal(
    tidy(() => acc.compute().item()),
    0.5,
  );
  acc.reset();
  tidy(() => acc.update(tensor(new BigInt64Array([1n, 1n])), tensor(new BigInt64Array([1n, 1n]))));
  assert.equal(
    tidy(() => acc.compute().item()),
    1,
  );
  acc.dispose();
  assert.equal(memory().liveTensors, before);
});

void test('stat scores: options and inputs are checked', () => {
  assert.throws(() => new MulticlassAccuracy({ numClasses: 3, topK: 4 }), ConfigError);
  assert.throws(() => new MulticlassAccuracy({ numClasses: 1 }), ConfigError);
  assert.throws(() => new MulticlassF1Score({ numClasses: 3, average: 'samples' as never }), /one of 'micro', 'macro', 'weighted', 'none'/);
  const acc = new MulticlassAccuracy({ numClasses: 3, topK: 2, validateArgs: true });
  tidy(() => {
    assert.throws(() => acc.update(tensor([[1, 2]]), tensor([0n])), ShapeError);
    assert.throws(() => acc.update(tensor(new BigInt64Array([1n])), tensor([0n])), ShapeError);
    assert.throws(() => acc.update(tensor([[1, 2, 3]]), tensor([5n])), /target values in \[0, 2\]/);
  });
  assert.throws(() => acc.merge(new MulticlassAccuracy({ numClasses: 4, topK: 2 })), ConfigError);
  acc.dispose();
});
