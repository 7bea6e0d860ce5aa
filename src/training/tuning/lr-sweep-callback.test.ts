import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../torch/index.js';
import { SGD } from '../../torch/optim/index.js';
import { fakeTrainer, tinyModule } from '../callbacks/fake-trainer.test-helper.js';
import { parseLrFindOptions } from './lr-find-options.js';
import { LrSweepCallback } from './lr-sweep-callback.js';

const batch = { images: torch.zeros([1, 3, 4, 4]), labels: torch.zeros([1], { dtype: 'int64' }) };

void test('every param group keeps its configured ratio to the largest, a scheduler-moved lr included', () => {
  const module = tinyModule();
  const [first, ...rest] = module.parameters();
  const optimizer = new SGD([{ params: [first], lr: 1e-2 }, { params: rest }], { lr: 1e-3 });
  // A warmup has moved the live lr; initialLr is what was configured.
  optimizer.paramGroups[0].initialLr = 1e-2;
  optimizer.paramGroups[0].lr = 0;
  const trainer = fakeTrainer({ optimizer, globalStep: 0 });
  const sweep = new LrSweepCallback(parseLrFindOptions({ minLr: 1e-6, maxLr: 1, numSteps: 7 }));
  sweep.onBeforeOptimizerStep(trainer);
  assert.deepEqual(
    optimizer.paramGroups.map((g) => g.lr),
    [1e-6, 1e-7],
  );
  trainer.globalStep = 3;
  sweep.onBeforeOptimizerStep(trainer);
  const lrs = optimizer.paramGroups.map((g) => g.lr);
  assert.ok(Math.abs(lrs[0] / 1e-3 - 1) < 1e-12 && Math.abs(lrs[1] / 1e-4 - 1) < 1e-12, lrs.join());
  optimizer.dispose();
  module.dispose();
});

void test('accumulated batches make one point, their mean loss, at the lr of their step; divergence stops the fit', () => {
  const trainer = fakeTrainer({ globalStep: 0 });
  const module = tinyModule();
  const sweep = new LrSweepCallback(parseLrFindOptions({ minLr: 1e-3, maxLr: 1e3, numSteps: 7, smoothing: 0 }));
  const end = (loss: number, stepAfter: number) => {
    const t = torch.tensor([loss]);
    trainer.globalStep = stepAfter;
    sweep.onTrainBatchEnd(trainer, module, { batch, batchIdx: 0, loss: t.reshape([]) });
    t.dispose();
  };
  sweep.onBeforeOptimizerStep(trainer);
  end(2, 0); // the first micro-batch: no step yet
  end(4, 1); // the step is taken
  assert.deepEqual([sweep.lrs, sweep.losses, sweep.smoothedLosses], [[1e-3], [3], [3]]);
  trainer.globalStep = 1;
  sweep.onBeforeOptimizerStep(trainer);
  end(1, 2);
  assert.deepEqual(sweep.losses, [3, 1]);
  assert.ok(Math.abs(sweep.lrs[1] / 1e-2 - 1) < 1e-12);
  assert.deepEqual(trainer.stopReasons, []);
  sweep.onBeforeOptimizerStep(trainer);
  end(4.5, 3);
  assert.equal(sweep.diverged, true);
  assert.match(trainer.stopReasons[0] ?? '', /^lr finder: the loss diverged at lr 1\.00e-1 \(step 3\)$/);
  module.dispose();
});
