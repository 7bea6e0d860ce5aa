import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError } from '../errors.js';
import { memory, tensor, tidy } from '../torch/index.js';
import { allCloseTo, metricCases, threeWays } from '../../test/fixtures/metrics/load-case.js';
import { MulticlassAUROC } from './auroc.js';
import type { AurocAverage } from './auroc.js';

for (const c of metricCases().filter((x) => x.expected['auroc/macro'] !== undefined)) {
  void test(`AUROC matches torchmetrics: ${c.name}`, () => {
    tidy(() => {
      for (const average of ['macro', 'weighted', 'none'] as AurocAverage[]) {
        const make = (): MulticlassAUROC => new MulticlassAUROC({ numClasses: c.numClasses, average, ignoreIndex: c.ignoreIndex });
        allCloseTo(threeWays(make, c), c.expected[`auroc/${average}`], `${c.name} auroc ${average}`);
      }
    });
  });
}

void test("AUROC: torchmetrics' docstring example (a class with no positives scores 0)", () => {
  tidy(() => {
    const preds = tensor([
      [0.75, 0.05, 0.05, 0.05, 0.05],
      [0.05, 0.75, 0.05, 0.05, 0.05],
      [0.05, 0.05, 0.75, 0.05, 0.05],
      [0.05, 0.05, 0.05, 0.75, 0.05],
    ]);
    const target = tensor(new BigInt64Array([0n, 1n, 3n, 2n]));
    const none = new MulticlassAUROC({ numClasses: 5, average: 'none' });
    none.update(preds, target);
    const values = none.compute().toArray() as number[];
    [1, 1, 1 / 3, 1 / 3, 0].forEach((v, i) => assert.ok(Math.abs(values[i] - v) < 1e-6, `class ${i}: ${values[i]}`));
    const macro = new MulticlassAUROC({ numClasses: 5 });
    macro.update(preds, target);
    assert.ok(Math.abs(macro.compute().item() - 0.5333333) < 1e-6);
    none.dispose();
    macro.dispose();
  });
});

void test('AUROC: integer preds are refused; dispose frees the kept scores', () => {
  const before = memory().liveTensors;
  const auroc = new MulticlassAUROC({ numClasses: 3 });
  tidy(() => {
    assert.throws(() => auroc.update(tensor(new BigInt64Array([1n])), tensor(new BigInt64Array([1n]))), ShapeError);
    auroc.update(tensor([[0.2, 0.3, 0.5]]), tensor(new BigInt64Array([2n])));
  });
  assert.ok(memory().liveTensors > before);
  auroc.dispose();
  assert.equal(memory().liveTensors, before);
});
