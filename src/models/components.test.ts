import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import {
  Adam,
  AdamW,
  CosineAnnealingLR,
  MultiStepLR,
  OneCycleLR,
  ReduceLROnPlateau,
  SGD,
  SequentialLR,
  StepLR,
} from '../torch/optim/index.js';
import type { Optimizer } from '../torch/optim/index.js';
import { registry } from '../registry.js';
import { ConfigError } from '../errors.js';
import { assertAllClose, fixture, flat } from '../../test/fixtures/classification/load.js';
import './index.js';

const params = (): Tensor[] => [torch.zeros([3, 2], { requiresGrad: true }), torch.zeros([2], { requiresGrad: true })];
const adamw = (lr = 1e-4): Optimizer => registry.build<Optimizer>('optimizer', 'adamw', { params: params(), lr, weightDecay: 1e-4 });

void test('every component is registered under its name', () => {
  assert.deepEqual(registry.list('loss'), ['asl', 'bce', 'cross_entropy', 'focal']);
  assert.deepEqual(registry.list('optimizer'), ['adam', 'adamw', 'sgd']);
  assert.deepEqual(registry.list('scheduler'), ['cosine', 'multistep', 'onecycle', 'plateau', 'step', 'warmup_cosine']);
  assert.ok(registry.has('model', 'resnet18'));
  assert.ok(!registry.has('model', 'classification_module'));
});

void test('optimizers build from { params, ...options } with PyTorch defaults', () => {
  const a = registry.build<AdamW>('optimizer', 'adamw', { params: params() });
  assert.ok(a instanceof AdamW);
  assert.deepEqual([a.defaults.lr, a.defaults.weightDecay, a.defaults.betas, a.defaults.eps], [1e-3, 1e-2, [0.9, 0.999], 1e-8]);
  const b = registry.build<Adam>('optimizer', 'adam', { params: params(), lr: 3e-4, betas: [0.8, 0.99], amsgrad: true });
  assert.ok(b instanceof Adam);
  assert.deepEqual([b.defaults.lr, b.defaults.weightDecay, b.defaults.betas, b.defaults.amsgrad], [3e-4, 0, [0.8, 0.99], true]);
  const [w, bias] = params();
  const s = registry.build<SGD>('optimizer', 'sgd', {
    params: [{ params: [w] }, { params: [bias], weightDecay: 0 }],
    lr: 0.1,
    momentum: 0.9,
    nesterov: true,
    weightDecay: 5e-4,
  });
  assert.ok(s instanceof SGD);
  assert.deepEqual(
    s.paramGroups.map((g) => [g.lr, g.momentum, g.nesterov, g.weightDecay]),
    [
      [0.1, 0.9, true, 5e-4],
      [0.1, 0.9, true, 0],
    ],
  );
});

void test('optimizer options are validated with every issue and its path', () => {
  assert.throws(
    () => registry.build('optimizer', 'sgd', { params: 'all', momentum: -1, weight_decay: 0.1 }),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.issues.map((i) => i.path).sort(), [
        'optimizer.sgd',
        'optimizer.sgd.lr',
        'optimizer.sgd.momentum',
        'optimizer.sgd.params',
      ]);
      return true;
    },
  );
  assert.throws(() => registry.build('optimizer', 'sgd', { params: params(), lr: 0.1, nesterov: true }), /nesterov/);
});

void test('warmup_cosine builds the schedule configureOptimizers uses (PyTorch SequentialLR numbers)', () => {
  const opt = adamw();
  const sched = registry.build<SequentialLR>('scheduler', 'warmup_cosine', { optimizer: opt, maxEpochs: 30 });
  assert.ok(sched instanceof SequentialLR);
  const lrs: number[] = [];
  for (let k = 0; k < 30; k++) {
    lrs.push(opt.paramGroups[0].lr);
    sched.step();
  }
  assertAllClose(lrs, flat(fixture('schedules').warmup5_total30), 1e-9, 'warmup_cosine');
  const plain = registry.build('scheduler', 'warmup_cosine', { optimizer: adamw(), warmupEpochs: 0, maxEpochs: 30 });
  assert.ok(plain instanceof CosineAnnealingLR);
  assert.equal(plain.etaMin, 1e-4 * 0.05);
});

void test('the other schedulers build with their options', () => {
  const cosine = registry.build<CosineAnnealingLR>('scheduler', 'cosine', { optimizer: adamw(), tMax: 10, etaMin: 1e-6 });
  assert.ok(cosine instanceof CosineAnnealingLR);
  assert.deepEqual([cosine.tMax, cosine.etaMin], [10, 1e-6]);
  const step = registry.build<StepLR>('scheduler', 'step', { optimizer: adamw(), stepSize: 3 });
  assert.ok(step instanceof StepLR);
  assert.deepEqual([step.stepSize, step.gamma], [3, 0.1]);
  const multi = registry.build<MultiStepLR>('scheduler', 'multistep', { optimizer: adamw(), milestones: [2, 5], gamma: 0.5 });
  assert.ok(multi instanceof MultiStepLR);
  for (let k = 0; k < 5; k++) multi.step();
  assert.ok(Math.abs(multi.getLastLr()[0] - 1e-4 * 0.25) < 1e-15);
  const opt = adamw();
  const onecycle = registry.build<OneCycleLR>('scheduler', 'onecycle', { optimizer: opt, maxLr: 0.01, epochs: 2, stepsPerEpoch: 5 });
  assert.ok(onecycle instanceof OneCycleLR);
  assert.ok(Math.abs(opt.paramGroups[0].lr - 0.01 / 25) < 1e-15, 'starts at maxLr / divFactor');
  const plateau = registry.build<ReduceLROnPlateau>('scheduler', 'plateau', { optimizer: adamw(), mode: 'max', patience: 0, factor: 0.5 });
  assert.ok(plateau instanceof ReduceLROnPlateau);
  plateau.step(0.5);
  plateau.step(0.4);
  assert.ok(Math.abs(plateau.getLastLr()[0] - 5e-5) < 1e-15);
});

void test('scheduler options are validated with every issue and its path', () => {
  assert.throws(
    () => registry.build('scheduler', 'onecycle', { optimizer: {}, maxLr: 0.1 }),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.issues.map((i) => i.path).sort(), ['scheduler.onecycle.optimizer']);
      return true;
    },
  );
  assert.throws(
    () => registry.build('scheduler', 'onecycle', { optimizer: adamw(), maxLr: 0.1 }),
    /expected totalSteps, or epochs and stepsPerEpoch/,
  );
  assert.throws(
    () => registry.build('scheduler', 'warmup_cosine', { optimizer: adamw(), maxEpochs: 0, warmupIters: 5 }),
    (e: Error) =>
      e instanceof ConfigError && e.issues.map((i) => i.path).join() === 'scheduler.warmup_cosine.maxEpochs,scheduler.warmup_cosine',
  );
  assert.throws(
    () => registry.build('scheduler', 'step', { optimizer: adamw(), stepSize: 0, gama: 0.1 }),
    (e: Error) => e instanceof ConfigError && e.issues.length === 2,
  );
});
