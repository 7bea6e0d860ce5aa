// Autograd through the TypeScript API: leaves, backward with a gradient,
// accumulation, detach, retainGrad, grad-mode scopes restored on throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enableGrad, isGradEnabled, noGrad } from './autograd.js';
import { tidy } from './memory.js';
import { ones, tensor } from './ops/creation.js';
import type { Tensor } from './tensor.js';

// Reads the gradient through a call, so TypeScript does not narrow it after `x.grad = null`.
const gradOf = (t: Tensor): Tensor | null => t.grad;

void test('requiresGrad, isLeaf and gradFn', () =>
  tidy(() => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    assert.equal(x.requiresGrad, true);
    assert.equal(x.isLeaf, true);
    assert.equal(x.gradFn, null);
    const y = x.mul(x);
    assert.equal(y.requiresGrad, true);
    assert.equal(y.isLeaf, false);
    assert.equal(y.gradFn, 'MulBackward0');
    assert.equal(x.mul(2).gradFn, 'MulBackward1'); // the Scalar overload
    assert.equal(y.sum().gradFn, 'SumBackward0');
    const plain = tensor([1]);
    assert.equal(plain.requiresGrad, false);
    plain.requiresGrad = true;
    assert.equal(plain.requiresGrad, true);
  }));

void test('backward of a scalar, and of a non-scalar with a gradient', () =>
  tidy(() => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.pow(2).sum().backward();
    assert.deepEqual(x.grad?.toArray(), [2, 4, 6]);
    const z = tensor([1, 2, 3], { requiresGrad: true });
    z.mul(z).backward(tensor([1, 0.5, -1]));
    assert.deepEqual(z.grad?.toArray(), [2, 2, -6]);
    assert.throws(() => tensor([1, 2], { requiresGrad: true }).mul(2).backward(), /grad can be implicitly created only for scalar outputs/);
  }));

void test('gradients accumulate over two backwards until reset', () =>
  tidy(() => {
    const x = tensor([1, -1], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad?.toArray(), [3 + 2, 3 - 2]);
    x.grad = null;
    assert.equal(gradOf(x), null);
    x.sum().backward();
    assert.deepEqual(gradOf(x)?.toArray(), [1, 1]);
  }));

void test('retainGraph allows a second backward through the same graph', () =>
  tidy(() => {
    const x = tensor([2], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assert.deepEqual(x.grad?.toArray(), [8]);
    const z = x.exp().sum();
    z.backward();
    assert.throws(() => z.backward(), /Trying to backward through the graph a second time/);
  }));

void test('detach cuts the graph and shares storage', () =>
  tidy(() => {
    const x = tensor([1, 2], { requiresGrad: true });
    const d = x.mul(2).detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.isLeaf, true);
    assert.equal(d.gradFn, null);
    const y = x.detach();
    y.fill_(7);
    assert.deepEqual(x.toArray(), [7, 7]);
  }));

void test('retainGrad keeps the gradient of a non-leaf', () =>
  tidy(() => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    const other = x.mul(4);
    h.mul(h).sum().add(other.sum()).backward();
    assert.deepEqual(h.grad?.toArray(), [6, 12]);
    assert.equal(other.grad, null);
    assert.deepEqual(x.grad?.toArray(), [18 + 4, 36 + 4]);
  }));

void test('noGrad and enableGrad restore the previous mode, even when fn throws', () =>
  tidy(() => {
    assert.equal(isGradEnabled(), true);
    const x = ones([2], { requiresGrad: true });
    const y = noGrad(() => {
      assert.equal(isGradEnabled(), false);
      assert.equal(enableGrad(() => x.mul(2)).requiresGrad, true);
      assert.equal(isGradEnabled(), false);
      return x.mul(2);
    });
    assert.equal(y.requiresGrad, false);
    assert.equal(isGradEnabled(), true);
    assert.throws(
      () =>
        noGrad(() => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(isGradEnabled(), true);
    noGrad(() => {
      assert.throws(
        () =>
          enableGrad(() => {
            throw new Error('bang');
          }),
        /bang/,
      );
      assert.equal(isGradEnabled(), false);
    });
    assert.equal(isGradEnabled(), true);
  }));

void test("setting requiresGrad on a non-leaf keeps libtorch's message", () =>
  tidy(() => {
    const y = ones([1], { requiresGrad: true }).mul(2);
    assert.throws(() => {
      y.requiresGrad = false;
    }, /you can only change requires_grad flags of leaf variables/);
  }));
