// One test per c10d entry point of the libtorch addon, called directly in a
// one-rank group (two-rank behaviour is tested in test/distributed/): good
// arguments work, bad ones throw, the process never aborts. The other entry
// points are tested in native.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { native } from './binding.js';
import type { OpResult, TensorHandle } from './binding.js';
import type { DistributedNative } from './distributed/native-distributed.js';
import { distributedEntries } from './native-entries.test-helper.js';

const F32 = 6;
const f32 = (values: number[], shape = [values.length]): TensorHandle => native.fromBuffer(new Float32Array(values), shape, F32);
const values = (h: OpResult): number[] => Array.from(new Float32Array(native.toBuffer(h as TensorHandle)));
const bad = (v: unknown): never => v as never;
const typeError =
  (pattern: RegExp) =>
  (error: unknown): boolean => {
    assert.ok(error instanceof TypeError, `expected a TypeError but got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };

const tested = new Set<string>();
function entry(name: string, body: () => void): void {
  tested.add(name);
  void test(name, body);
}

const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = server.address() as AddressInfo;
    server.close(() => resolve(p));
  });
});
const dist = native as unknown as DistributedNative;
const store = dist.tcpStoreCreate('127.0.0.1', port, 1, true, 10_000);
const group = dist.processGroupGlooCreate(store, 'native-test', 0, 1, 10_000, 'hostname', '127.0.0.1');

entry('tcpStoreCreate', () => {
  assert.throws(() => dist.tcpStoreCreate(bad(1), port, 1, false, 100), typeError(/tcpStoreCreate/));
});
entry('storeSet', () => dist.storeSet(store, 'k', new Uint8Array([1, 2, 3])));
entry('storeGet', () => {
  dist.storeSet(store, 'g', new Uint8Array([7, 8]));
  assert.deepEqual([...new Uint8Array(dist.storeGet(store, 'g'))], [7, 8]);
});
entry('storeAdd', () => {
  assert.equal(dist.storeAdd(store, 'n', 2), 2);
  assert.equal(dist.storeAdd(store, 'n', 3), 5);
});
entry('processGroupGlooCreate', () => {
  assert.throws(() => dist.processGroupGlooCreate(store, 'x', 3, 1, 100, 'hostname', '127.0.0.1'), /rank/);
});
entry('groupAllreduce', () => {
  const t = f32([1, 2]);
  dist.groupAllreduce(group, [t]);
  assert.deepEqual(values(t), [1, 2]);
});
entry('groupBroadcast', () => {
  const t = f32([4]);
  dist.groupBroadcast(group, [t], 0);
  assert.deepEqual(values(t), [4]);
});
entry('groupBarrier', () => dist.groupBarrier(group));
entry('groupAllgather', () => assert.deepEqual(values(dist.groupAllgather(group, f32([5, 6]))), [5, 6]));
entry('reducerCreate', () => {
  const w = f32([1, 2]);
  native.setRequiresGrad(w, true);
  const reducer = dist.reducerCreate(group, [w], 25 * 2 ** 20, 2 ** 20);
  assert.equal(dist.distributedRelease(reducer), true);
});
entry('reducerPrepareForBackward', () => {
  const w = f32([1, 2]);
  native.setRequiresGrad(w, true);
  const reducer = dist.reducerCreate(group, [w], 25 * 2 ** 20, 2 ** 20);
  dist.reducerPrepareForBackward(reducer);
  dist.distributedRelease(reducer);
});
entry('syncBatchNorm', () => {
  // One rank: plain batch norm of [1, 2, 3, 4] (one channel); backward through the all-reduce.
  const x = f32([1, 2, 3, 4], [4, 1]);
  native.setRequiresGrad(x, true);
  const [y, mean, unbiasedVar] = dist.syncBatchNorm(group, x, f32([2]), f32([1]), 0);
  const f64 = (h: TensorHandle): number[] => Array.from(new Float64Array(native.toBuffer(h)));
  assert.deepEqual(f64(mean), [2.5]);
  assert.ok(Math.abs(f64(unbiasedVar)[0] - 5 / 3) < 1e-12);
  const invstd = 1 / Math.sqrt(1.25);
  const xhat = [-1.5, -0.5, 0.5, 1.5].map((d) => d * invstd);
  values(y).forEach((v, i) => assert.ok(Math.abs(v - (2 * xhat[i] + 1)) < 1e-6, `y[${i}] = ${v}`));
  native.backward(y, f32([1, 0, 0, 0], [4, 1]), undefined, false);
  // dx = weight * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))
  const dx = xhat.map((h, i) => 2 * invstd * ((i === 0 ? 1 : 0) - 0.25 - (h * xhat[0]) / 4));
  values(native.grad(x)).forEach((v, i) => assert.ok(Math.abs(v - dx[i]) < 1e-6, `dx[${i}] = ${v}, expected ${dx[i]}`));
  assert.throws(() => dist.syncBatchNorm(group, x, f32([1]), f32([0]), bad('1e-5')), typeError(/syncBatchNorm: expected a number for eps/));
});
entry('distributedRelease', () => {
  const s2 = dist.tcpStoreCreate('127.0.0.1', port, 1, false, 10_000);
  assert.equal(dist.distributedRelease(s2), true);
  assert.equal(dist.distributedRelease(s2), false);
});

void test('every c10d entry point has a test', () => {
  assert.deepEqual([...tested].sort(), [...distributedEntries].sort());
});
