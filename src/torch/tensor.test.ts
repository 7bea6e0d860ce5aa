// The Tensor class itself: metadata, conversion, copies and printing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy } from './memory.js';
import { arange, tensor, zeros } from './ops/creation.js';

void test('shape, size, ndim, numel, elementSize and strides', () =>
  tidy(() => {
    const x = zeros([2, 3, 4]);
    assert.deepEqual(x.shape, [2, 3, 4]);
    assert.deepEqual(x.size(), [2, 3, 4]);
    assert.equal(x.size(-1), 4);
    assert.equal(x.ndim, 3);
    assert.equal(x.numel(), 24);
    assert.equal(x.elementSize(), 4);
    assert.deepEqual(x.strides(), [12, 4, 1]);
    assert.equal(x.device, 'cpu');
    assert.throws(() => x.size(3), { name: 'RangeError', message: /expected dim in \[-3, 2\] but got 3/ });
    // shape is a copy: changing it does not change the tensor
    x.shape.push(9);
    assert.deepEqual(x.shape, [2, 3, 4]);
  }));

void test('to() casts by dtype name, options object, and the shorthands', () =>
  tidy(() => {
    const x = tensor([1.7, -2.2]);
    assert.deepEqual(x.to('int64').toArray(), [1, -2]);
    assert.equal(x.to({ dtype: 'float64' }).dtype, 'float64');
    assert.equal(x.long().dtype, 'int64');
    assert.equal(x.int().dtype, 'int32');
    assert.equal(x.double().dtype, 'float64');
    assert.deepEqual(x.bool().toArray(), [true, true]);
    assert.equal(x.long().float().dtype, 'float32');
    assert.equal(x.cpu().device, 'cpu');
    assert.throws(() => x.to({ device: 'gpu' as 'cpu' }), {
      name: 'TypeError',
      message: /device: expected 'cpu', 'cuda' or 'cuda:<n>' but got 'gpu'/,
    });
  }));

void test('clone copies; detach shares; item reads one value', () =>
  tidy(() => {
    const x = arange(4).float();
    const c = x.clone();
    c.fill_(0);
    assert.deepEqual(x.toArray(), [0, 1, 2, 3]);
    assert.equal(x.sum().item(), 6);
    assert.throws(() => x.item(), /a Tensor with 4 elements cannot be converted to Scalar/);
    assert.equal(String(x), 'Tensor(shape=[4], dtype=float32, device=cpu)');
  }));
