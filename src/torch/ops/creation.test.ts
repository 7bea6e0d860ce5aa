// Creation: typed arrays and nested arrays round-trip through every dtype;
// constant fills and ranges; seeded random draws give PyTorch's numbers
// exactly (fixtures: scripts/fixtures/ops.py, creation_cases).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DType } from '../dtype.js';
import { tidy } from '../memory.js';
import { manualSeed } from '../runtime.js';
import type { Tensor } from '../tensor.js';
import * as c from './creation.js';
import { cat } from './shape.js';
import { assertClose, loadFixture } from './parity.test-helper.js';

const fx = loadFixture('creation');
const exact = { rtol: 0, atol: 0 };

const seeded: Record<string, [number, () => Tensor]> = {
  randn: [0, () => c.randn([3, 4])],
  randn_f64: [1, () => c.randn([5], { dtype: 'float64' })],
  randn_big: [2, () => c.randn([40])],
  rand: [3, () => c.rand([2, 5])],
  randint: [4, () => c.randint(0, 10, [3, 4])],
  randint_low: [5, () => c.randint(-5, 5, [7])],
  randperm: [6, () => c.randperm(10)],
  bernoulli: [7, () => c.bernoulli(c.linspace(0, 1, 12))],
  bernoulli_p: [8, () => c.bernoulli(c.zeros([12]), 0.3)],
  normal_: [9, () => c.empty([6]).normal_(2, 0.5)],
  uniform_: [10, () => c.empty([6]).uniform_(-1, 3)],
  randn_then_rand: [11, () => cat([c.randn([3]), c.rand([3])])],
};

for (const [name, [seed, make]] of Object.entries(seeded)) {
  void test(`manualSeed(${seed}) then ${name} gives PyTorch's numbers`, () =>
    tidy(() => {
      manualSeed(seed);
      assertClose(make(), fx[name], name, exact);
    }));
}

const ranges: Record<string, () => Tensor> = {
  arange_5: () => c.arange(5),
  arange_float: () => c.arange(1, 2, 0.25),
  arange_tenth: () => c.arange(0, 1, 0.1),
  arange_neg: () => c.arange(5, -3, -2),
  linspace: () => c.linspace(0, 1, 7),
  linspace_neg: () => c.linspace(-1, 2.5, 4),
  eye_3: () => c.eye(3),
  eye_2_4: () => c.eye(2, 4),
  full: () => c.full([2, 3], 1.25),
};

for (const [name, make] of Object.entries(ranges)) {
  void test(`${name} matches PyTorch`, () => tidy(() => assertClose(make(), fx[name], name, exact)));
}

void test('the fixture holds no case without a test', () => {
  assert.deepEqual(Object.keys(fx).sort(), [...Object.keys(seeded), ...Object.keys(ranges)].sort());
});

const roundTrips: [DType, ArrayBufferView, number[]][] = [
  ['float32', new Float32Array([1.5, -2, 0.25, 3]), [1.5, -2, 0.25, 3]],
  ['float64', new Float64Array([1e-300, -2, 0.1, 3]), [1e-300, -2, 0.1, 3]],
  ['int64', new BigInt64Array([1n, -2n, 2n ** 40n, 3n]), [1, -2, 2 ** 40, 3]],
  ['int32', new Int32Array([1, -2, 2 ** 30, 3]), [1, -2, 2 ** 30, 3]],
  ['uint8', new Uint8Array([0, 255, 7, 3]), [0, 255, 7, 3]],
  ['int8', new Int8Array([0, -128, 7, 3]), [0, -128, 7, 3]],
  ['int16', new Int16Array([0, -300, 7, 3]), [0, -300, 7, 3]],
];

for (const [dtype, data, values] of roundTrips) {
  void test(`a ${data.constructor.name} becomes ${dtype} and reads back`, () =>
    tidy(() => {
      const t = c.tensor(data, { shape: [2, 2] });
      assert.equal(t.dtype, dtype);
      assert.deepEqual(t.shape, [2, 2]);
      assert.equal(t.data().constructor, data.constructor);
      assert.deepEqual(Array.from(t.data() as ArrayLike<number | bigint>, Number), values);
      assert.deepEqual(t.toArray(), [values.slice(0, 2), values.slice(2)]);
      assert.equal(t.select(0, 1).select(0, 0).item(), values[2]);
    }));
}

void test('float16 and bfloat16 round to their precision and read back as float32', () =>
  tidy(() => {
    const half = c.tensor(new Float32Array([1.5, 0.1, 65504, 1 / 3]), { dtype: 'float16' });
    assert.equal(half.dtype, 'float16');
    assert.ok(half.data() instanceof Float32Array);
    assert.deepEqual(Array.from(half.data() as Float32Array), [1.5, 0.0999755859375, 65504, 0.333251953125]);
    const brain = c.tensor(
      [
        [1.5, 0.1],
        [3e38, 1 / 3],
      ],
      { dtype: 'bfloat16' },
    );
    assert.equal(brain.dtype, 'bfloat16');
    assert.deepEqual(brain.toArray(), [
      [1.5, 0.10009765625],
      [3.00405527047391e38, 0.333984375],
    ]);
    assert.equal(brain.select(0, 0).select(0, 0).item(), 1.5);
  }));

void test('nested arrays: numbers are float32, bigints int64, booleans bool, and dtype converts', () =>
  tidy(() => {
    const f = c.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.equal(f.dtype, 'float32');
    assert.deepEqual(f.shape, [2, 3]);
    assert.deepEqual(f.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const i = c.tensor([[1n], [-2n]]);
    assert.equal(i.dtype, 'int64');
    assert.deepEqual(i.toArray(), [[1], [-2]]);
    const b = c.tensor([true, false, true]);
    assert.equal(b.dtype, 'bool');
    assert.deepEqual(b.toArray(), [true, false, true]);
    assert.deepEqual(Array.from(b.data() as Uint8Array), [1, 0, 1]);
    assert.equal(b.select(0, 0).item(), 1);
    assert.deepEqual(c.tensor([1.9, -1.9, 3], { dtype: 'int64' }).toArray(), [1, -1, 3]);
    assert.deepEqual(c.tensor([0, 2, 0], { dtype: 'bool' }).toArray(), [false, true, false]);
    assert.deepEqual(c.tensor([1.5, 2.5], { dtype: 'float64' }).data(), new Float64Array([1.5, 2.5]));
    assert.deepEqual(c.tensor([1, 2, 3, 4], { shape: [2, 2] }).shape, [2, 2]);
  }));

void test('a scalar is a 0-d tensor; an empty array has shape [0]', () =>
  tidy(() => {
    const s = c.tensor(3.5);
    assert.deepEqual(s.shape, []);
    assert.equal(s.item(), 3.5);
    assert.equal(s.toArray(), 3.5);
    assert.deepEqual(c.tensor([]).shape, [0]);
  }));

void test('ragged nested arrays and a wrong byte count are rejected', () =>
  tidy(() => {
    assert.throws(() => c.tensor([[1, 2], [3]]), { name: 'TypeError', message: /expected 2 entries at depth 1 but got 1/ });
    assert.throws(() => c.tensor([[1, 2], 3]), { name: 'TypeError', message: /rectangular/ });
    assert.throws(() => c.tensor(new Float32Array(3), { shape: [2, 2] }), {
      name: 'TypeError',
      message: /expected 16 bytes .* but got 12/,
    });
  }));

void test('zeros, ones, full and the *Like functions take dtype and requiresGrad', () =>
  tidy(() => {
    assert.deepEqual(c.zeros([2]).toArray(), [0, 0]);
    assert.equal(c.zeros([2]).dtype, 'float32');
    assert.deepEqual(c.ones([2], { dtype: 'int32' }).data(), new Int32Array([1, 1]));
    assert.deepEqual(c.full([2], 7, { dtype: 'int64' }).data(), new BigInt64Array([7n, 7n]));
    assert.deepEqual(c.full([2], true).toArray(), [true, true]);
    assert.equal(c.zeros([2], { requiresGrad: true }).requiresGrad, true);
    const base = c.ones([2, 3], { dtype: 'float64' });
    assert.equal(c.zerosLike(base).dtype, 'float64');
    assert.deepEqual(c.fullLike(base, 2).shape, [2, 3]);
    assert.equal(c.onesLike(base, { dtype: 'int64' }).dtype, 'int64');
    assert.deepEqual(c.fullLike(base, 2.5).toArray(), [
      [2.5, 2.5, 2.5],
      [2.5, 2.5, 2.5],
    ]);
    // As torch.*_like: the memory format is preserved (optimizer state of channels-last weights).
    const nhwc = c.ones([2, 3, 4, 5]).contiguous('channelsLast');
    for (const like of [c.zerosLike(nhwc), c.onesLike(nhwc), c.fullLike(nhwc, 3), c.randLike(nhwc), c.randnLike(nhwc)]) {
      assert.equal(like.isContiguous('channelsLast'), true);
      assert.equal(like.isContiguous(), false);
    }
    assert.equal(c.zerosLike(nhwc, { requiresGrad: true }).requiresGrad, true);
    assert.equal(c.arange(3).dtype, 'int64');
    assert.equal(c.arange(0, 1, 0.5).dtype, 'float32');
  }));

void test('dataShared() is a zero-copy view: writes show through both ways', () =>
  tidy(() => {
    const t = c.zeros([2, 2]);
    const view = t.dataShared() as Float32Array;
    view[1] = 5;
    assert.deepEqual(t.toArray(), [
      [0, 5],
      [0, 0],
    ]);
    t.fill_(3);
    assert.deepEqual(Array.from(view), [3, 3, 3, 3]);
    const copy = t.data() as Float32Array;
    copy[0] = -1;
    assert.equal((t.toArray() as number[][])[0][0], 3);
    // A non-contiguous tensor cannot be shared: a silent copy would break the aliasing promise.
    const transposed = c
      .tensor([
        [1, 2],
        [3, 4],
      ])
      .t();
    assert.throws(
      () => transposed.dataShared(),
      /dataShared: expected a contiguous CPU tensor, .* that is not contiguous; use data\(\) for a copy/,
    );
    assert.deepEqual(Array.from(transposed.data() as Float32Array), [1, 3, 2, 4]);
  }));

void test('factories check the device string before libtorch sees it', () => {
  for (const make of [
    () => c.zeros([2], { device: 'tpu' as never }),
    () => c.arange(3, undefined, 1, { device: 'gpu:0' as never }),
    () => c.randn([2], { device: 'cuda0' as never }),
  ]) {
    assert.throws(make, (e: Error) => e instanceof TypeError && /^device: expected 'cpu', 'cuda' or 'cuda:<n>' but got '/.test(e.message));
  }
});
