import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ShapeError } from '../errors.js';
import { memory, tensor, tidy } from '../torch/index.js';
import { loadSafetensors } from '../torch/serialization/safetensors.js';
import { closeTo, fixtureDir } from '../../test/fixtures/metrics/load-case.js';
import { MeanMetric } from './mean-metric.js';

void test('MeanMetric matches PyTorch: weights, NaNs left out, batches and merge', () => {
  tidy(() => {
    const { values, weights, weighted, plain } = loadSafetensors(join(fixtureDir, 'mean.safetensors')).tensors;
    const whole = new MeanMetric();
    whole.update(values, weights);
    closeTo(whole.compute(), weighted, 'weighted, one update');
    const first = new MeanMetric();
    const second = new MeanMetric();
    first.update(values.narrow(0, 0, 15), weights.narrow(0, 0, 15));
    second.update(values.narrow(0, 15, 25), weights.narrow(0, 15, 25));
    first.merge(second);
    closeTo(first.compute(), weighted, 'weighted, merged halves');
    const unweighted = new MeanMetric();
    for (const v of Array.from(values.data() as Float32Array)) unweighted.update(v);
    closeTo(unweighted.compute(), plain, 'numbers one at a time');
    for (const m of [whole, first, second, unweighted]) m.dispose();
  });
});

void test('MeanMetric: scalar weight broadcasts, bad weight shape is refused, memory is flat', () => {
  const before = memory().liveTensors;
  const mean = new MeanMetric();
  tidy(() => {
    mean.update(tensor([1, 2, 3]), 2);
    mean.update(tensor(4), tensor(2));
    assert.throws(() => mean.update(tensor([1, 2, 3]), tensor([1, 2])), ShapeError);
  });
  assert.equal(
    tidy(() => mean.compute().item()),
    2.5,
  );
  mean.dispose();
  assert.equal(memory().liveTensors, before);
});
