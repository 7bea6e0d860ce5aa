import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrainerOptions, resolveTrainerOptions, trainBatches } from './trainer-options.js';

const resolve = (input: Parameters<typeof parseTrainerOptions>[0]) => resolveTrainerOptions(parseTrainerOptions(input));

void test('a normal run keeps its limits; the epoch limit is 1000 only when neither steps nor time bound the run', () => {
  const o = resolve({ limitValBatches: 0.5, numSanityValSteps: 3, valCheckInterval: 2 });
  assert.deepEqual(
    [o.fastDevRun, o.maxEpochs, o.maxSteps, o.limitValBatches, o.numSanityValSteps, o.valCheckInterval],
    [false, 1000, null, 0.5, 3, 2],
  );
  assert.equal(resolve({ maxSteps: 7 }).maxEpochs, null);
  assert.equal(resolve({ maxTime: 60_000 }).maxEpochs, null);
  assert.equal(resolve({ maxEpochs: 4, maxSteps: 7 }).maxEpochs, 4);
  assert.ok(Object.isFrozen(o));
});

void test('fastDevRun settles epochs, steps, sanity, validation interval and eval limits once', () => {
  const one = resolve({ fastDevRun: true, maxEpochs: 9, maxSteps: 100, numSanityValSteps: 5, valCheckInterval: 2, limitValBatches: 0.5 });
  assert.deepEqual(
    [one.fastDevRun, one.maxEpochs, one.maxSteps, one.numSanityValSteps, one.valCheckInterval, one.limitValBatches, one.limitTestBatches],
    [1, 1, 1, 0, null, 1, 1],
  );
  const three = resolve({ fastDevRun: 3 });
  assert.deepEqual([three.fastDevRun, three.maxSteps, three.limitTestBatches], [3, 3, 3]);
});

void test('train batches per epoch: the train limit, and no more than a dev run takes', () => {
  assert.equal(trainBatches(resolve({}), 10), 10);
  assert.equal(trainBatches(resolve({ limitTrainBatches: 0.5 }), 10), 5);
  assert.equal(trainBatches(resolve({ limitTrainBatches: 4 }), 10), 4);
  assert.equal(trainBatches(resolve({ fastDevRun: 3 }), 10), 3);
  assert.equal(trainBatches(resolve({ fastDevRun: 3, limitTrainBatches: 2 }), 10), 2);
  assert.equal(trainBatches(resolve({ fastDevRun: 3 }), 2), 2);
});
