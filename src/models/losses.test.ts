import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { registry } from '../registry.js';
import { ConfigError, ShapeError } from '../errors.js';
import { assertAllClose, fixture, flat } from '../../test/fixtures/classification/load.js';
import { focalLoss } from './losses.js';
import type { LossFunction } from './components.js';
import './components.js';

const fx = fixture('losses');
const weights = { none: null, w: fx.weight } as const;
const smoothings = { '0': 0, '0.1': 0.1 } as const;
const targets = { hard: fx.hard, soft: fx.soft } as const;
const reductions = ['none', 'mean', 'sum'] as const;

/** Every option combination the fixture has, with its key. */
function* cases() {
  for (const [w, weight] of Object.entries(weights)) {
    for (const [s, labelSmoothing] of Object.entries(smoothings)) {
      for (const [t, target] of Object.entries(targets)) {
        for (const reduction of reductions) yield { key: `${w}.${s}.${t}.${reduction}`, weight, labelSmoothing, target, reduction };
      }
    }
  }
}

const values = (f: () => Tensor): number[] => torch.tidy(() => flat(f()));

void test('crossEntropy with class weights and label smoothing 0.1 equals F.cross_entropy for hard and soft targets', () => {
  for (const c of cases()) {
    const got = values(() => torch.crossEntropy(fx.logits, c.target, c));
    assertAllClose(got, flat(fx[`ce.${c.key}`]), 1e-5, `ce.${c.key}`, 1e-6);
  }
});

void test('focal loss with gamma 0 equals F.cross_entropy for every option', () => {
  for (const c of cases()) {
    const got = values(() => focalLoss(fx.logits, c.target, { ...c, gamma: 0 }));
    assertAllClose(got, flat(fx[`ce.${c.key}`]), 1e-5, `focal0.${c.key}`, 1e-6);
  }
});

void test('focal loss with gamma 2 and 0.5 equals the formula written out in PyTorch', () => {
  for (const gamma of [2, 0.5]) {
    for (const c of cases()) {
      const got = values(() => focalLoss(fx.logits, c.target, { ...c, gamma }));
      assertAllClose(got, flat(fx[`focal${gamma}.${c.key}`]), 1e-5, `focal${gamma}.${c.key}`, 1e-6);
    }
  }
});

void test('focal loss gradient matches PyTorch autograd of the formula', () => {
  const grad = torch.tidy(() => {
    const x = fx.logits.clone().requiresGrad_(true);
    focalLoss(x, fx.hard, { gamma: 2, weight: fx.weight, labelSmoothing: 0.1 }).backward();
    return flat(x.grad as Tensor);
  });
  assertAllClose(grad, flat(fx['focal2.grad']), 1e-4, 'focal2.grad', 1e-6);
});

void test('focal loss rejects a negative gamma and smoothing outside [0, 1]', () => {
  assert.throws(() => focalLoss(fx.logits, fx.hard, { gamma: -1 }), /focalLoss: expected gamma >= 0, but got -1/);
  assert.throws(() => focalLoss(fx.logits, fx.hard, { labelSmoothing: 1.5 }), /expected labelSmoothing in \[0, 1\]/);
});

void test('registered losses bind their options (weights as numbers or a tensor)', () => {
  const w = flat(fx.weight);
  const ce = registry.build<LossFunction>('loss', 'cross_entropy', { weight: w, labelSmoothing: 0.1 });
  assertAllClose(
    values(() => ce(fx.logits, fx.hard)),
    flat(fx['ce.w.0.1.hard.mean']),
    1e-5,
    'registry cross_entropy',
  );
  assertAllClose(
    values(() => ce(fx.logits, fx.soft)),
    flat(fx['ce.w.0.1.soft.mean']),
    1e-5,
    'registry cross_entropy soft',
  );
  const focal = registry.build<LossFunction>('loss', 'focal', { weight: fx.weight, labelSmoothing: 0.1, reduction: 'sum' });
  assertAllClose(
    values(() => focal(fx.logits, fx.hard)),
    flat(fx['focal2.w.0.1.hard.sum']),
    1e-5,
    'registry focal',
  );
  const plain = registry.build<LossFunction>('loss', 'focal', { gamma: 0.5 });
  assertAllClose(
    values(() => plain(fx.logits, fx.soft)),
    flat(fx['focal0.5.none.0.soft.mean']),
    1e-5,
    'registry focal defaults',
  );
  const before = torch.memory().liveTensors;
  values(() => focal(fx.logits, fx.hard));
  assert.equal(torch.memory().liveTensors, before, 'a loss call leaves no tensors behind');
  assert.throws(() => torch.tidy(() => ce(fx.logits.narrow(1, 0, 3), fx.hard.clamp(0, 2))), ShapeError);
  assert.throws(
    () => registry.build('loss', 'focal', { gamma: -1, alpha: 0.25 }),
    (e: Error) =>
      e instanceof ConfigError && e.issues.some((i) => i.path === 'loss.focal.gamma') && e.issues.some((i) => i.path === 'loss.focal'),
  );
});
