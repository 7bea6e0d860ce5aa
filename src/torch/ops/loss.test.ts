// Losses against PyTorch (fixtures: scripts/fixtures/ops.py, loss_cases):
// class weights, label smoothing, reductions, soft targets, ignoreIndex.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy } from '../memory.js';
import { tensor, zeros } from './creation.js';
import * as L from './loss.js';
import type { Reduction } from './loss.js';
import { checkTable, loadFixture } from './parity.test-helper.js';
import type { CaseEntry } from './parity.test-helper.js';

const fx = loadFixture('loss');

const table: Record<string, CaseEntry> = {
  ce_mean: (x, t) => L.crossEntropy(x, t),
  ce_sum: (x, t) => L.crossEntropy(x, t, { reduction: 'sum' }),
  ce_none: (x, t) => L.crossEntropy(x, t, { reduction: 'none' }),
  ce_weight: (x, t, w) => L.crossEntropy(x, t, { weight: w }),
  ce_smooth: (x, t) => L.crossEntropy(x, t, { labelSmoothing: 0.1 }),
  ce_weight_smooth: (x, t, w) => L.crossEntropy(x, t, { weight: w, labelSmoothing: 0.2 }),
  ce_smooth_none: (x, t) => L.crossEntropy(x, t, { labelSmoothing: 0.3, reduction: 'none' }),
  ce_ignore_default: (x, t) => L.crossEntropy(x, t),
  ce_ignore_index: (x, t) => L.crossEntropy(x, t, { ignoreIndex: 1 }),
  ce_ignore_weight_smooth: (x, t, w) => L.crossEntropy(x, t, { weight: w, ignoreIndex: 3, labelSmoothing: 0.1 }),
  ce_soft: (x, t) => L.crossEntropy(x, t),
  ce_soft_smooth: (x, t) => L.crossEntropy(x, t, { labelSmoothing: 0.2 }),
  ce_soft_weight_sum: (x, t, w) => L.crossEntropy(x, t, { weight: w, reduction: 'sum' }),
  ce_spatial: (x, t) => L.crossEntropy(x, t),
  nll_mean: (x, t) => L.nllLoss(x, t),
  nll_sum: (x, t) => L.nllLoss(x, t, { reduction: 'sum' }),
  nll_none: (x, t) => L.nllLoss(x, t, { reduction: 'none' }),
  nll_weight: (x, t, w) => L.nllLoss(x, t, { weight: w }),
  nll_ignore: (x, t) => L.nllLoss(x, t, { ignoreIndex: 3 }),
  mse_mean: (x, t) => L.mseLoss(x, t),
  mse_sum: (x, t) => L.mseLoss(x, t, 'sum'),
};

checkTable(fx, table, (name, body) => void test(name, body));

void test('crossEntropy rejects a bad labelSmoothing and a bad reduction', () =>
  tidy(() => {
    const logits = zeros([2, 3]);
    const target = tensor(new BigInt64Array([0n, 1n]));
    assert.throws(() => L.crossEntropy(logits, target, { labelSmoothing: 1.5 }), {
      name: 'RangeError',
      message: /labelSmoothing in \[0, 1\]/,
    });
    assert.throws(() => L.crossEntropy(logits, target, { labelSmoothing: NaN }), { name: 'RangeError', message: /but got NaN/ });
    assert.throws(() => L.crossEntropy(logits, target, { reduction: 'avg' as Reduction }), {
      name: 'TypeError',
      message: /none, mean, sum/,
    });
  }));

void test("crossEntropy with a target out of range keeps libtorch's message", () =>
  tidy(() => {
    assert.throws(() => L.crossEntropy(zeros([2, 3]), tensor(new BigInt64Array([0n, 7n]))), /Target 7 is out of bounds/);
  }));
