// Runtime settings: autocast scopes (bf16 on CPU, restored after a throw),
// threads, seeds and version facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native } from './binding.js';
import { dtypeCode } from './dtype.js';
import { tidy } from './memory.js';
import { randn } from './ops/creation.js';
import { conv2d, linear, matmul, relu } from './ops/nn-functional.js';
import { autocast, cuda, getNumThreads, manualSeed, setNumThreads, version } from './runtime.js';

const cpuAutocast = (): [boolean, number] => native.autocastGet('cpu');

void test('inside autocast conv2d, linear and matmul give bfloat16; outside float32', () =>
  tidy(() => {
    const x = randn([1, 2, 5, 5]);
    const w = randn([3, 2, 3, 3]);
    const a = randn([4, 6]);
    const b = randn([6, 2]);
    const inside = autocast(() => [conv2d(x, w), linear(a, b.t()), matmul(a, b), relu(a)], { device: 'cpu', dtype: 'bfloat16' });
    assert.deepEqual(
      inside.map((t) => t.dtype),
      ['bfloat16', 'bfloat16', 'bfloat16', 'float32'],
    );
    assert.deepEqual(
      [conv2d(x, w), linear(a, b.t()), matmul(a, b)].map((t) => t.dtype),
      ['float32', 'float32', 'float32'],
    );
    // bf16 keeps ~3 significant digits of the float32 result.
    const [exact, low] = [matmul(a, b), inside[2].float()].map((t) => t.data() as Float32Array);
    exact.forEach((v, i) => assert.ok(Math.abs(v - low[i]) <= 0.05 + 0.02 * Math.abs(v), `${v} vs ${low[i]}`));
  }));

void test('autocast restores the previous state, even after a throw, and nests', () => {
  const initial = cpuAutocast();
  assert.equal(initial[0], false);
  assert.throws(
    () =>
      autocast(() => {
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.deepEqual(cpuAutocast(), initial);
  autocast(() => {
    assert.deepEqual(cpuAutocast(), [true, dtypeCode('bfloat16')]);
    autocast(() => assert.equal(cpuAutocast()[0], false), { enabled: false });
    assert.equal(cpuAutocast()[0], true);
  });
  assert.deepEqual(cpuAutocast(), initial);
});

void test('autocast on cpu rejects float16', () => {
  assert.throws(() => autocast(() => 1, { device: 'cpu', dtype: 'float16' }), {
    name: 'TypeError',
    message: /expected dtype bfloat16 on cpu but got float16/,
  });
  assert.equal(cpuAutocast()[0], false);
});

void test('setNumThreads validates and round-trips', () => {
  const before = getNumThreads();
  setNumThreads(1);
  assert.equal(getNumThreads(), 1);
  setNumThreads(before);
  assert.throws(() => setNumThreads(0), { name: 'TypeError', message: /positive integer but got 0/ });
  assert.throws(() => manualSeed(-1), { name: 'TypeError', message: /non-negative integer but got -1/ });
});

void test('version and cuda facts', () => {
  assert.match(version(), /^1\.13\.\d+$/);
  assert.equal(typeof cuda.isAvailable(), 'boolean');
  assert.equal(cuda.deviceCount() > 0, cuda.isAvailable());
});
