import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memory, tensor, tidy } from '../torch/index.js';
import { allCloseTo, metricCases, threeWays } from '../../test/fixtures/metrics/load-case.js';
import { MulticlassConfusionMatrix } from './confusion-matrix.js';
import type { ConfusionNormalize } from './confusion-matrix.js';

for (const c of metricCases()) {
  void test(`confusion matrix matches torchmetrics: ${c.name}`, () => {
    tidy(() => {
      for (const normalize of ['none', 'true', 'pred', 'all'] as ConfusionNormalize[]) {
        const make = (): MulticlassConfusionMatrix =>
          new MulticlassConfusionMatrix({ numClasses: c.numClasses, normalize, ignoreIndex: c.ignoreIndex });
        const expected = c.expected[`confmat/${normalize}`];
        const results = threeWays(make, c);
        assert.equal(results[0].dtype, normalize === 'none' ? 'int64' : 'float32');
        allCloseTo(results, expected, `${c.name} confmat ${normalize}`);
      }
    });
  });
}

void test('confusion matrix: rows are targets, columns predictions; memory is flat', () => {
  const before = memory().liveTensors;
  const cm = new MulticlassConfusionMatrix({ numClasses: 3 });
  for (let i = 0; i < 5; i++) tidy(() => cm.update(tensor(new BigInt64Array([2n])), tensor(new BigInt64Array([0n]))));
  assert.deepEqual(
    tidy(() => cm.compute().toArray()),
    [
      [0, 0, 5],
      [0, 0, 0],
      [0, 0, 0],
    ],
  );
  cm.dispose();
  assert.equal(memory().liveTensors, before);
});
