import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { AdamW, CosineAnnealingLR, SGD, SequentialLR } from '../torch/optim/index.js';
import { ConfigError } from '../errors.js';
import { assertAllClose, fixture, flat } from '../../test/fixtures/classification/load.js';
import { parseClassificationOptions } from './classification-options.js';
import type { ClassificationOptionsInput } from './classification-options.js';
import { configureOptimizers } from './configure-optimizers.js';
import { warmupCosineLR } from './warmup-cosine.js';
import type { OptimizerConfig } from './configure-optimizers.js';
import { resnet18 } from './resnet.js';

const fx = fixture('schedules');
const params = (): Tensor[] => [torch.zeros([3, 2], { requiresGrad: true }), torch.zeros([2], { requiresGrad: true })];

function configure(
  options: Omit<ClassificationOptionsInput, 'numClasses'>,
  run: { maxEpochs: number; stepsPerEpoch?: number },
): OptimizerConfig {
  return configureOptimizers(params(), parseClassificationOptions({ numClasses: 3, ...options }), run);
}

/** The lr of every group before each of `n` scheduler steps. */
function trajectory({ optimizer, scheduler }: OptimizerConfig, n: number): number[][] {
  const lrs: number[][] = [];
  for (let k = 0; k < n; k++) {
    lrs.push(optimizer.paramGroups.map((g) => g.lr));
    if (scheduler !== null && !('mode' in scheduler)) scheduler.step();
  }
  return lrs;
}

function assertTrajectory(config: OptimizerConfig, name: string, what: string): void {
  const expected = flat(fx[name]);
  const got = trajectory(config, expected.length);
  for (const g of [0, 1])
    assertAllClose(
      got.map((row) => row[g]),
      expected,
      1e-9,
      `${what} group ${g}`,
    );
}

void test('defaults over 30 epochs follow PyTorch SequentialLR(LinearLR(1e-3, 5), CosineAnnealingLR(25, lr*0.05))', () => {
  const config = configure({}, { maxEpochs: 30 });
  assert.ok(config.optimizer instanceof AdamW);
  assert.ok(config.scheduler instanceof SequentialLR);
  assert.equal(config.interval, 'epoch');
  assert.deepEqual(
    config.optimizer.paramGroups.map((g) => [g.weightDecay, (g as { betas?: number[] }).betas, (g as { eps?: number }).eps]),
    [
      [1e-4, [0.9, 0.999], 1e-8],
      [0, [0.9, 0.999], 1e-8],
    ],
  );
  assertTrajectory(config, 'warmup5_total30', 'epoch interval');
});

void test('interval step: 3 epochs x 10 steps with a half-epoch warmup give the same 30-step schedule', () => {
  const config = configure({ scheduler: { interval: 'step', warmupEpochs: 0.5 } }, { maxEpochs: 3, stepsPerEpoch: 10 });
  assert.equal(config.interval, 'step');
  assertTrajectory(config, 'warmup5_total30', 'step interval');
});

void test('a warmup as long as the run is cut to leave one step of cosine', () => {
  assertTrajectory(configure({}, { maxEpochs: 3 }), 'warmup2_total3', 'short run');
  const one = configure({}, { maxEpochs: 1 });
  assert.ok(one.scheduler instanceof CosineAnnealingLR, 'a one-epoch run has no warmup');
  assert.deepEqual(
    one.optimizer.paramGroups.map((g) => g.lr),
    [1e-4, 1e-4],
  );
});

void test('warmupEpochs 0 gives plain cosine; scheduler none keeps the lr', () => {
  const cosine = configure({ scheduler: { warmupEpochs: 0 } }, { maxEpochs: 30 });
  assert.ok(cosine.scheduler instanceof CosineAnnealingLR);
  assertTrajectory(cosine, 'cosine30', 'cosine');
  const none = configure({ scheduler: { name: 'none' } }, { maxEpochs: 30 });
  assert.equal(none.scheduler, null);
  assert.deepEqual(
    none.optimizer.paramGroups.map((g) => g.lr),
    [1e-4, 1e-4],
  );
});

void test('interval step needs an integer stepsPerEpoch; maxEpochs must be a positive integer', () => {
  assert.throws(
    () => configure({ scheduler: { interval: 'step' } }, { maxEpochs: 3 }),
    (e: Error) =>
      e instanceof ConfigError && /expected an integer stepsPerEpoch >= 1 for scheduler.interval=step, but got undefined/.test(e.message),
  );
  assert.throws(() => configure({}, { maxEpochs: 0 }), /expected an integer maxEpochs >= 1, but got 0/);
  assert.throws(
    () => warmupCosineLR(new SGD(params(), { lr: 0.1 }), { warmupIters: 5, totalIters: 5, warmupStartFactor: 0.1, etaMin: 0 }),
    /expected integers 0 <= warmupIters < totalIters/,
  );
});

void test('no weight decay on parameters with ndim <= 1 (ResNet-18 biases and BatchNorm weights)', () => {
  const model = resnet18({ numClasses: 3, stem: 'small' });
  try {
    const named = model.namedParameters();
    const { optimizer } = configureOptimizers(model.parameters(), parseClassificationOptions({ numClasses: 3 }), { maxEpochs: 30 });
    const [decay, noDecay] = optimizer.paramGroups as unknown as { params: Tensor[]; weightDecay: number }[];
    const nameOf = new Map(named.map(([n, p]) => [p, n]));
    const names = (ps: Tensor[]) => ps.map((p) => nameOf.get(p) as string).sort();
    // By name, as torchvision lays ResNet-18 out: convolutions and fc.weight decay; BatchNorm and biases do not.
    const isNorm = (n: string) => /(^bn\d|\.bn\d|downsample\.1)\./.test(n) || n.endsWith('.bias');
    assert.equal(decay.weightDecay, 1e-4);
    assert.equal(noDecay.weightDecay, 0);
    assert.deepEqual(
      names(decay.params),
      named
        .map(([n]) => n)
        .filter((n) => !isNorm(n))
        .sort(),
    );
    assert.deepEqual(
      names(noDecay.params),
      named
        .map(([n]) => n)
        .filter(isNorm)
        .sort(),
    );
    assert.equal(decay.params.length + noDecay.params.length, named.length);
    assert.ok(noDecay.params.length > 0 && noDecay.params.every((p) => p.ndim === 1));
    const all = configureOptimizers(
      model.parameters(),
      parseClassificationOptions({ numClasses: 3, optimizer: { noDecayOnNormAndBias: false } }),
      { maxEpochs: 3 },
    );
    assert.equal(all.optimizer.paramGroups.length, 1);
    assert.equal((all.optimizer.paramGroups[0] as unknown as { weightDecay: number }).weightDecay, 1e-4);
  } finally {
    model.dispose();
  }
});

void test('SGD with momentum and nesterov, and Adam, as alternatives', () => {
  const sgd = configure({ optimizer: { name: 'sgd', lr: 0.1, momentum: 0.8, nesterov: true, weightDecay: 5e-4 } }, { maxEpochs: 30 });
  assert.ok(sgd.optimizer instanceof SGD);
  const groups = sgd.optimizer.paramGroups as unknown as {
    lr: number;
    momentum: number;
    nesterov: boolean;
    weightDecay: number;
    dampening: number;
  }[];
  assert.deepEqual(
    groups.map((g) => [g.momentum, g.nesterov, g.dampening, g.weightDecay]),
    [
      [0.8, true, 0, 5e-4],
      [0.8, true, 0, 0],
    ],
  );
  assert.ok(Math.abs(groups[0].lr - 0.1 * 1e-3) < 1e-15, 'the warmup starts at lr × warmupStartFactor');
  const adam = configure({ optimizer: { name: 'adam', betas: [0.8, 0.99] } }, { maxEpochs: 30 });
  assert.equal(adam.optimizer.constructor.name, 'Adam');
  assert.deepEqual((adam.optimizer.paramGroups[0] as unknown as { betas: number[] }).betas, [0.8, 0.99]);
});
