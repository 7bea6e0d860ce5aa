// torch.nn.functional ops against PyTorch (fixtures: scripts/fixtures/ops.py,
// nn_cases), plus dropout statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy } from '../memory.js';
import { autocast, manualSeed } from '../runtime.js';
import { ones, randn } from './creation.js';
import * as F from './nn-functional.js';
import { checkTable, loadFixture } from './parity.test-helper.js';
import type { CaseEntry } from './parity.test-helper.js';

const fx = loadFixture('nn');
const loose = { rtol: 1e-4, atol: 1e-4 };

const table: Record<string, CaseEntry> = {
  matmul_2d: (a, b) => a.matmul(b),
  matmul_batched: (a, b) => F.matmul(a, b),
  matmul_vec: (a, b) => F.matmul(a, b),
  mm: (a, b) => F.mm(a, b),
  bmm: (a, b) => F.bmm(a, b),
  linear: (x, w, b) => F.linear(x, w, b),
  linear_nobias: (x, w) => F.linear(x, w),
  conv2d: [(x, w, b) => F.conv2d(x, w, b), loose],
  conv2d_stride_pad: [(x, w) => F.conv2d(x, w, null, { stride: 2, padding: 1 }), loose],
  conv2d_asym: [(x, w, b) => F.conv2d(x, w, b, { stride: [1, 2], padding: [0, 1] }), loose],
  conv2d_dilation: [(x, w) => F.conv2d(x, w, null, { padding: 2, dilation: 2 }), loose],
  conv2d_groups: [(x, w, b) => F.conv2d(x, w, b, { padding: 1, groups: 2 }), loose],
  conv2d_depthwise: [(x, w) => F.conv2d(x, w, null, { groups: 4 }), loose],
  conv2d_same: [(x, w) => F.conv2d(x, w, null, { padding: 'same' }), loose],
  conv2d_valid: [(x, w) => F.conv2d(x, w, null, { padding: 'valid' }), loose],
  batch_norm_train: [
    (x, rm, rv, w, b) => [F.batchNorm(x, rm, rv, { weight: w, bias: b, training: true, momentum: 0.2, eps: 1e-3 }), rm, rv],
    loose,
  ],
  batch_norm_train_noaffine: [(x, rm, rv) => [F.batchNorm(x, rm, rv, { training: true }), rm, rv], loose],
  batch_norm_eval: (x, rm, rv, w, b) => F.batchNorm(x, rm, rv, { weight: w, bias: b }),
  layer_norm: [(x, w, b) => F.layerNorm(x, [4], { weight: w, bias: b }), loose],
  max_pool2d: (x) => F.maxPool2d(x, { kernelSize: 2 }),
  max_pool2d_s2p1: (x) => F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }),
  max_pool2d_dil_ceil: (x) => F.maxPool2d(x, { kernelSize: 2, stride: 2, dilation: 2, ceilMode: true }),
  avg_pool2d: (x) => F.avgPool2d(x, { kernelSize: 2 }),
  avg_pool2d_s2p1_noinc: (x) => F.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }),
  avg_pool2d_ceil: (x) => F.avgPool2d(x, { kernelSize: [2, 3], ceilMode: true }),
  avg_pool2d_divisor: (x) => F.avgPool2d(x, { kernelSize: 2, divisorOverride: 3 }),
  adaptive_avg_pool2d_1: (x) => F.adaptiveAvgPool2d(x, 1),
  adaptive_avg_pool2d_23: (x) => F.adaptiveAvgPool2d(x, [2, 3]),
  relu: (x) => x.relu(),
  gelu: (x) => F.gelu(x),
  gelu_tanh: (x) => F.gelu(x, 'tanh'),
  sigmoid: (x) => x.sigmoid(),
  silu: (x) => F.silu(x),
  tanh_nn: (x) => F.tanh(x),
  softmax_1: (x) => x.softmax(1),
  softmax_0: (x) => F.softmax(x, 0),
  log_softmax: (x) => x.logSoftmax(-1),
  dropout_p0: (x) => F.dropout(x, 0),
  dropout_p1: (x) => F.dropout(x, 1),
  dropout_eval: (x) => F.dropout(x, 0.5, false),
  dropout_seeded: (x) => {
    manualSeed(42);
    return F.dropout(x, 0.3);
  },
  pad_constant: (x) => F.pad(x, [1, 2], { value: 0.5 }),
  pad_constant_2d: (x) => F.pad(x, [1, 0, 2, 1]),
  pad_reflect: (x) => F.pad(x, [1, 2, 2, 1], { mode: 'reflect' }),
  pad_replicate: (x) => F.pad(x, [2, 1, 0, 3], { mode: 'replicate' }),
  pad_circular: (x) => F.pad(x, [1, 1, 2, 0], { mode: 'circular' }),
  interp_bilinear_size: (x) => F.interpolate(x, { size: [7, 3], mode: 'bilinear' }),
  interp_bilinear_scale: (x) => F.interpolate(x, { scaleFactor: 2, mode: 'bilinear' }),
  interp_bilinear_align: (x) => F.interpolate(x, { size: [6, 8], mode: 'bilinear', alignCorners: true }),
  interp_bilinear_down: (x) => F.interpolate(x, { scaleFactor: 0.5, mode: 'bilinear' }),
  interp_bilinear_aa: (x) => F.interpolate(x, { size: [3, 2], mode: 'bilinear', antialias: true }),
  interp_nearest_size: (x) => F.interpolate(x, { size: [7, 3] }),
  interp_nearest_scale: (x) => F.interpolate(x, { scaleFactor: 2 }),
};

checkTable(fx, table, (name, body) => void test(name, body));

void test('dropout keeps about 1-p of the elements and scales them by 1/(1-p)', () =>
  tidy(() => {
    manualSeed(3);
    const y = F.dropout(ones([20000]), 0.3);
    const values = y.data() as Float32Array;
    const kept = values.filter((v) => v !== 0);
    assert.ok(Math.abs(kept.length / values.length - 0.7) < 0.015, `kept fraction ${kept.length / values.length}`);
    assert.ok(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6));
    assert.ok(Math.abs(y.mean().item() - 1) < 0.03);
  }));

void test('interpolate needs exactly one of size and scaleFactor', () =>
  tidy(() => {
    assert.throws(() => F.interpolate(ones([1, 1, 2, 2]), {}), { name: 'TypeError', message: /exactly one of size or scaleFactor/ });
  }));

void test('layerNorm of a bf16 input with fp32 affine parameters (under CPU autocast) normalises in fp32', () => {
  tidy(() => {
    manualSeed(5);
    const x = randn([2, 3, 8]).to({ dtype: 'bfloat16' });
    const [weight, bias] = [randn([8]), randn([8])];
    const mixed = autocast(() => F.layerNorm(x, [8], { weight, bias, eps: 1e-6 }));
    const wide = F.layerNorm(x.to({ dtype: 'float32' }), [8], { weight, bias, eps: 1e-6 });
    assert.equal(mixed.dtype, 'float32');
    assert.equal(mixed.sub(wide).abs().max().item(), 0);
  });
});
