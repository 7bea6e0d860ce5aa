import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native } from '../../src/torch/binding.js';
import { zeros } from '../../src/torch/ops/creation.js';
import { runT } from '../../src/torch/ops/dispatch.js';

void test('16. an integer argument that int64 cannot hold is refused before any cast, naming the argument', () => {
  using x = zeros([2, 3]);
  for (const bad of [NaN, Infinity, 2 ** 63, -(2 ** 64), 1e300]) {
    assert.throws(() => runT('aten::sum', 'dim_IntList', [x, [bad], false]), {
      name: 'TypeError',
      message: new RegExp(`aten::sum.dim_IntList: expected an integer within int64 for argument 'dim' but got`),
    });
  }
  assert.throws(() => native.fromBuffer(new Float32Array(1), [2 ** 64], 6), /non-negative integer shape entries/);
  assert.throws(() => native.fromBuffer(new Float32Array(1), [1], 2 ** 32 + 6), /unknown dtype code 4294967302/);
  assert.throws(() => native.setNumThreads(NaN), /positive integer/);
  assert.throws(() => native.manualSeed(2 ** 64), /non-negative safe integer/);
});

void test('16. a libtorch error from an op names the op', () => {
  using a = zeros([3]);
  using b = zeros([4]);
  assert.throws(() => a.add(b), /Error in aten::add\.Tensor: The size of tensor a \(3\) must match/);
});
