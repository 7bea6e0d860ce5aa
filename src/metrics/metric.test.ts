// The shared state handling: lifetime across tidy scopes, merge rules, reset, dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { manualSeed, memory, randint, randn, tidy } from '../torch/index.js';
import { MulticlassAccuracy } from './accuracy.js';
import { MulticlassAUROC } from './auroc.js';
import { MulticlassCalibrationError } from './calibration-error.js';
import { MulticlassConfusionMatrix } from './confusion-matrix.js';
import { MeanMetric } from './mean-metric.js';

void test('metrics: live tensors stay flat over many updates and return to the start after dispose', () => {
  manualSeed(0);
  const before = memory().liveTensors;
  const all = [
    new MulticlassAccuracy({ numClasses: 4, topK: 2 }),
    new MulticlassConfusionMatrix({ numClasses: 4, ignoreIndex: 1 }),
    new MulticlassCalibrationError({ numClasses: 4 }),
  ];
  const mean = new MeanMetric();
  const step = (): void =>
    tidy(() => {
      const logits = randn([16, 4]);
      const labels = randint(0, 4, [16]);
      for (const m of all) m.update(logits, labels);
      mean.update(logits.sum());
    });
  step();
  const afterFirst = memory().liveTensors;
  for (let i = 0; i < 20; i++) step();
  assert.equal(memory().liveTensors, afterFirst);
  for (const m of [...all, mean]) m.dispose();
  assert.equal(memory().liveTensors, before);
});

void test('metrics: compute before any update, merge rules, device', () => {
  tidy(() => {
    const acc = new MulticlassAccuracy({ numClasses: 3, average: 'none' });
    assert.deepEqual(acc.compute().toArray(), [0, 0, 0]);
    assert.equal(acc.device, 'cpu');
    assert.throws(() => acc.merge(acc), ConfigError);
    const auroc = new MulticlassAUROC({ numClasses: 3 });
    assert.equal(auroc.compute().item(), 0);
    assert.throws(
      () => auroc.merge(new MulticlassAccuracy({ numClasses: 3 }) as unknown as MulticlassAUROC),
      /expected another MulticlassAUROC/,
    );
    const empty = new MulticlassAUROC({ numClasses: 3 });
    auroc.update(randn([5, 3]), randint(0, 3, [5]));
    empty.merge(auroc);
    assert.equal(empty.compute().item(), auroc.compute().item());
    for (const m of [acc, auroc, empty]) m.dispose();
  });
});
