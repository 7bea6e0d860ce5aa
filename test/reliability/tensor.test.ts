import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memory, tidy } from '../../src/torch/memory.js';
import { tensor, zeros } from '../../src/torch/ops/creation.js';
import type { NestedArray } from '../../src/torch/ops/creation.js';
import type { Tensor } from '../../src/torch/tensor.js';

void test('7. tensor() refuses what PyTorch refuses, naming the element', () => {
  const before = memory().liveTensors;
  const strings: unknown = ['a', 'b'];
  assert.throws(() => tensor(strings as NestedArray), /tensor: expected .*number.*, but got string "a" at \[0\]/);
  assert.throws(() => tensor([1, [2]]), /tensor: expected/);
  assert.throws(() => tensor([1n, 2n ** 70n], { dtype: 'int64' }), /int64.*2n? ?\*\*|1180591620717411303424.*at \[1\]/);
  assert.throws(() => tensor([[1, NaN]], { dtype: 'int32' }), /int32.*NaN at \[0, 1\]/);
  assert.throws(() => tensor([300], { dtype: 'uint8' }), /uint8.*300 at \[0\]/);
  assert.throws(() => tensor([3e9], { dtype: 'int32' }), /int32.*3000000000 at \[0\]/);
  assert.throws(() => tensor([Infinity], { dtype: 'int64' }), /int64.*Infinity at \[0\]/);
  assert.throws(() => tensor([1n, 2.5]), /tensor: expected .*, but got number 2\.5 at \[1\]/);
  assert.equal(memory().liveTensors, before);
  const t = tensor([1.7, -2.5], { dtype: 'int64' }); // PyTorch truncates toward zero
  assert.deepEqual([...t.data()], [1n, -2n]);
  const big = tensor([2n ** 62n]);
  assert.deepEqual([...big.data()], [2n ** 62n]);
  t.dispose();
  big.dispose();
});

class Holder {
  constructor(readonly inner: Tensor) {}
}

void test('8. tidy keeps a returned tensor nested deep or held by a class instance', () => {
  const before = memory().liveTensors;
  const deep = tidy(() => {
    let value: unknown = zeros([2]);
    for (let i = 0; i < 20; i++) value = i % 2 === 0 ? [value] : { value };
    return value;
  });
  const holder = tidy(() => new Holder(zeros([3]).add(1)));
  let t: unknown = deep;
  while (Array.isArray(t) || !(t as { shape?: unknown }).shape) t = Array.isArray(t) ? t[0] : (t as { value: unknown }).value;
  assert.deepEqual((t as Tensor).shape, [2]);
  assert.deepEqual([...holder.inner.data()], [1, 1, 1]);
  (t as Tensor).dispose();
  holder.inner.dispose();
  assert.equal(memory().liveTensors, before);
});

void test('8. a use after dispose names the op and the tensor dtype and shape', () => {
  const x = zeros([2, 3], { dtype: 'float64' });
  x.dispose();
  assert.throws(() => x.add(1), /Error in aten::add: Tensor is disposed \(it was float64 \[2, 3\]\)/);
});
