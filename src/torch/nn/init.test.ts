import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSafetensors } from '../serialization/safetensors.js';
import { manualSeed } from '../runtime.js';
import { empty } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { BatchNorm2d, Conv2d, Linear, init } from './index.js';

const fixture = loadSafetensors(new URL('../../../test/fixtures/nn/init.safetensors', import.meta.url).pathname).tensors;

function assertExact(actual: Tensor, expected: Tensor, name: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${name}: shape`);
  assert.deepEqual(Array.from(actual.data() as Float32Array), Array.from(expected.data() as Float32Array), `${name}: values`);
}

void test('Conv2d, Linear and BatchNorm2d start with PyTorch weights for the same seed (exact)', () => {
  manualSeed(1);
  const a = new Conv2d(3, 8, 3);
  assertExact(a.weight, fixture['conv_a.weight'], 'conv_a.weight');
  assertExact(a.bias!, fixture['conv_a.bias'], 'conv_a.bias');
  manualSeed(2);
  const b = new Conv2d(4, 6, [3, 5], { stride: 2, padding: 1, groups: 2 });
  assertExact(b.weight, fixture['conv_b.weight'], 'conv_b.weight');
  assertExact(b.bias!, fixture['conv_b.bias'], 'conv_b.bias');
  manualSeed(3);
  const lin = new Linear(10, 5);
  assertExact(lin.weight, fixture['linear.weight'], 'linear.weight');
  assertExact(lin.bias!, fixture['linear.bias'], 'linear.bias');
  const bn = new BatchNorm2d(4);
  for (const [k, v] of Object.entries(bn.stateDict())) {
    assert.equal(v.dtype, fixture[`bn.${k}`].dtype, k);
    assert.deepEqual(v.toArray(), fixture[`bn.${k}`].toArray(), k);
  }
  for (const m of [a, b, lin, bn]) m.dispose();
});

void test('nn.init functions draw exactly what torch.nn.init draws', () => {
  const draws: [string, (w: Tensor) => Tensor][] = [
    ['kaiming_normal_fan_out_relu', (w) => init.kaimingNormal_(w, { mode: 'fanOut', nonlinearity: 'relu' })],
    ['kaiming_normal_default', (w) => init.kaimingNormal_(w)],
    ['kaiming_uniform_leaky', (w) => init.kaimingUniform_(w, { a: 0.2, mode: 'fanOut', nonlinearity: 'leaky_relu' })],
    ['kaiming_uniform_sqrt5', (w) => init.kaimingUniform_(w, { a: Math.sqrt(5) })],
    ['xavier_uniform', (w) => init.xavierUniform_(w)],
    ['xavier_normal_tanh', (w) => init.xavierNormal_(w, { gain: init.calculateGain('tanh') })],
    ['normal', (w) => init.normal_(w, 0.5, 2.0)],
    ['uniform', (w) => init.uniform_(w, -3.0, 1.0)],
  ];
  draws.forEach(([name, fn], i) => {
    manualSeed(10 + i);
    const w = empty([16, 8, 3, 3]);
    fn(w);
    assertExact(w, fixture[`init.${name}`], name);
    w.dispose();
  });
});

void test('calculateGain and fan computation follow PyTorch', () => {
  assert.equal(init.calculateGain('relu'), Math.SQRT2);
  assert.equal(init.calculateGain('leaky_relu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.equal(init.calculateGain('conv2d'), 1);
  assert.equal(init.calculateGain('selu'), 0.75);
  assert.throws(() => init.calculateGain('swish' as never), /relu/);
  const w = empty([16, 8, 3, 3]);
  assert.deepEqual(init.calculateFanInAndFanOut(w), { fanIn: 72, fanOut: 144 });
  const v = empty([5]);
  assert.throws(() => init.calculateFanInAndFanOut(v), /at least 2 dimensions/);
  w.dispose();
  v.dispose();
});
