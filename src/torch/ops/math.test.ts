// Elementwise arithmetic, comparisons, unary functions and in-place variants
// against PyTorch (fixtures: scripts/fixtures/ops.py, math_cases).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import * as m from './math.js';
import { checkTable, loadFixture } from './parity.test-helper.js';
import type { CaseEntry } from './parity.test-helper.js';

const fx = loadFixture('math');

const comparisons = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const;
const comparisonCases = Object.fromEntries(
  comparisons.flatMap((op) => [
    [`${op}_tt`, (a: Tensor, b: Tensor) => m[op](a, b)],
    [`${op}_scalar`, (a: Tensor) => m[op](a, 1)],
  ]),
) as Record<string, CaseEntry>;

const unaryNames = [
  'neg',
  'abs',
  'sign',
  'exp',
  'sin',
  'cos',
  'square',
  'floor',
  'round',
  'log',
  'log1p',
  'sqrt',
  'rsqrt',
  'reciprocal',
] as const;
const unaryCases = Object.fromEntries(unaryNames.map((op) => [op, (a: Tensor) => m[op](a)])) as Record<string, CaseEntry>;

const table: Record<string, CaseEntry> = {
  add_tt: (a, b) => a.add(b),
  add_alpha: (a, b) => m.add(a, b, 2),
  add_scalar: (a) => a.add(2.5),
  add_scalar_alpha: (a) => a.add(3, 2),
  sub_tt: (a, b) => a.sub(b),
  sub_scalar: (a) => a.sub(1.5),
  mul_tt: (a, b) => a.mul(b),
  mul_scalar: (a) => a.mul(-3),
  div_tt: (a, b) => a.div(b),
  div_scalar: (a) => a.div(4),
  div_floor: (a, b) => a.div(b, 'floor'),
  div_trunc: (a) => a.div(0.7, 'trunc'),
  remainder: (a) => a.remainder(0.7),
  pow_2: (a) => a.pow(2),
  pow_half: (a) => a.pow(0.5),
  pow_tt: (a, b) => a.pow(b),
  maximum: (a, b) => a.maximum(b),
  minimum: (a, b) => a.minimum(b),
  ...comparisonCases,
  logical_and: (a, b) => m.logicalAnd(a, b),
  logical_or: (a, b) => m.logicalOr(a, b),
  logical_not: (a) => a.logicalNot(),
  where_tt: (c, a, b) => m.where(c, a, b),
  where_ts: (c, a) => m.where(c, a, 0.5),
  where_st: (c, a) => m.where(c, -1.0, a),
  where_ss: (c) => m.where(c, 2.0, -3.0),
  clamp: (a) => a.clamp(-0.5, 0.7),
  clamp_min: (a) => a.clamp(0.1),
  clamp_max: (a) => a.clamp(null, 0.1),
  clamp_tensor: (a, lo, hi) => a.clamp(lo, hi),
  clamp_scalar_tensor: (a, hi) => a.clamp(-0.5, hi),
  ...unaryCases,
  tanh: (a) => a.tanh(),
  isclose: (a, b) => m.isclose(a, b, 1e-3, 1e-2),
  add__t: (a, b) => a.clone().add_(b, 0.5),
  add__s: (a) => a.clone().add_(2, 3),
  sub__t: (a, b) => a.clone().sub_(b),
  mul__t: (a, b) => a.clone().mul_(b),
  mul__s: (a) => a.clone().mul_(0.9),
  div__t: (a, b) => a.clone().div_(b),
  pow__s: (a) => m.pow_(a.clone(), 3),
  clamp_: (a) => a.clone().clamp_(-0.3, 0.3),
  sqrt_: (a) => a.clone().sqrt_(),
  neg_: (a) => m.neg_(a.clone()),
  exp_: (a) => m.exp_(a.clone()),
  relu_: (a) => a.clone().relu_(),
  addcmul_: (a, b, c) => a.clone().addcmul_(b, c, 0.5),
  addcdiv_: (a, b, c) => a.clone().addcdiv_(b, c, -2),
  lerp__s: (a, b) => a.clone().lerp_(b, 0.25),
  lerp__t: (a, b, w) => a.clone().lerp_(b, w),
  fill_: (a) => a.clone().fill_(1.5),
  zero_: (a) => a.clone().zero_(),
  copy_: (a, b) => a.clone().copy_(b),
  masked_fill_: (a, mask) => a.clone().maskedFill_(mask, -2.0),
  maximum_: (a, b) => m.maximum_(a.clone(), b),
};

checkTable(fx, table, (name, body) => void test(name, body));

void test('scalar operands: types follow PyTorch where JS allows it', () =>
  tidy(() => {
    const ints = tensor([1, 5], { dtype: 'int64' });
    assert.equal(ints.mul(2).dtype, 'int64');
    assert.equal(ints.mul(0.5).dtype, 'float32');
    assert.equal(ints.div(2).dtype, 'float32');
    assert.deepEqual(ints.div(2, 'floor').toArray(), [0, 2]);
    // A fractional scalar bound beside a tensor bound is not truncated to the integer dtype.
    const clamped = ints.clamp(1.5, tensor([3.5]));
    assert.equal(clamped.dtype, 'float32');
    assert.deepEqual(clamped.toArray(), [1.5, 3.5]);
    const mask = tensor([true, false]);
    assert.deepEqual(m.where(mask, true, false).toArray(), [true, false]);
    assert.equal(m.where(mask, 2, 3).dtype, 'float32');
    assert.equal(m.allclose(tensor([1, 2]), tensor([1, 2.000001])), true);
  }));

void test("a broadcast mismatch keeps libtorch's message", () =>
  tidy(() => {
    assert.throws(() => tensor([1, 2, 3]).add(tensor([1, 2])), /The size of tensor a \(3\) must match the size of tensor b \(2\)/);
  }));
