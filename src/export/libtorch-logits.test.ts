import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../data/test-images.test-helper.js';
import { resnet18 } from '../models/resnet.js';
import * as torch from '../torch/index.js';
import { libtorchLogits, nativeBf16, resolveInferencePrecision } from './libtorch-logits.js';
import { exportOnnx } from './onnx/export-onnx.js';
import { Predictor } from './predictor.js';
import { randomizeBatchNorm, tinyMetadata } from './testing.test-helper.js';

torch.setNumThreads(1);

/** Row-wise softmax and argmax of logits [N, classes]. */
function probsOf(logits: Float32Array, classes: number): { probs: number[][]; top1: number[] } {
  const probs = Array.from({ length: logits.length / classes }, (_, r) => {
    const row = Array.from(logits.subarray(r * classes, (r + 1) * classes));
    const exps = row.map((v) => Math.exp(v - Math.max(...row)));
    const sum = exps.reduce((a, b) => a + b);
    return exps.map((e) => e / sum);
  });
  return { probs, top1: probs.map((p) => p.indexOf(Math.max(...p))) };
}

void test('libtorchLogits: bf16 + channels-last gives fp32 top-1 on a small ResNet, probabilities within 2e-2', () => {
  torch.manualSeed(3);
  const model = resnet18({ numClasses: 10, stem: 'small' });
  randomizeBatchNorm(model);
  const shape = [24, 3, 16, 16];
  const pixels = torch.tidy(() => torch.randn(shape).data() as Float32Array);
  const fp32 = probsOf(libtorchLogits(model, { precision: '32' })(pixels, shape).data, 10);
  const bf16Run = libtorchLogits(model, { precision: 'bf16-mixed' });
  assert.ok(
    model.parameters().some((p) => p.ndim === 4 && !p.isContiguous() && p.isContiguous('channelsLast')),
    'weights moved to channels-last',
  );
  const bf16 = probsOf(bf16Run(pixels, shape).data, 10);
  assert.deepEqual(bf16.top1, fp32.top1);
  const maxDiff = Math.max(...bf16.probs.flatMap((row, r) => row.map((p, c) => Math.abs(p - fp32.probs[r][c]))));
  // bf16 keeps 8 bits of mantissa: the answers move, a little, not at all would mean fp32 ran.
  assert.ok(maxDiff > 0 && maxDiff < 2e-2, `max probability difference ${maxDiff}`);
  assert.equal(model.training, true, 'train mode restored');
  model.dispose();
});

void test("resolveInferencePrecision: 'auto' is bf16-mixed exactly where the CPU has native bf16; forced values stay; others refused", () => {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  assert.equal(nativeBf16(), /^flags\s*:.*\b(avx512_bf16|amx_bf16)\b/m.test(cpuinfo));
  assert.equal(resolveInferencePrecision('auto'), nativeBf16() ? 'bf16-mixed' : '32');
  assert.equal(resolveInferencePrecision('32'), '32');
  assert.equal(resolveInferencePrecision('bf16-mixed'), 'bf16-mixed');
  assert.throws(
    () => resolveInferencePrecision('fp16' as never),
    /Predictor: expected precision among auto, 32, bf16-mixed, but got 'fp16'/,
  );
});

void test('Predictor: the libtorch backend runs the resolved precision, the same top-1 as fp32; onnxruntime refuses bf16', async () => {
  const dir = await makeTempDir('predictor-precision-');
  try {
    torch.manualSeed(5);
    const model = resnet18({ numClasses: 6, stem: 'small' });
    randomizeBatchNorm(model);
    model.eval();
    const onnx = join(dir, 'model.onnx');
    await exportOnnx(model, { path: onnx, metadata: tinyMetadata(6, [3, 16, 16]) });
    const shape = [12, 3, 16, 16];
    const pixels = torch.tidy(() => torch.randn(shape).data() as Float32Array);
    const top1 = async (options: { precision?: 'auto' | '32' | 'bf16-mixed'; backend?: 'libtorch' | 'onnxruntime' }) => {
      const predictor = await Predictor.open(onnx, { backend: 'libtorch', ...options });
      const logits = await predictor.logits(pixels, shape);
      await predictor.close();
      return { precision: predictor.precision, top1: probsOf(logits, 6).top1 };
    };
    const fp32 = await top1({ precision: '32' });
    assert.equal(fp32.precision, '32');
    assert.deepEqual(await top1({ precision: 'bf16-mixed' }), { precision: 'bf16-mixed', top1: fp32.top1 });
    assert.deepEqual(await top1({}), { precision: resolveInferencePrecision('auto'), top1: fp32.top1 });
    assert.deepEqual(await top1({ backend: 'onnxruntime' }), { precision: '32', top1: fp32.top1 });
    await assert.rejects(
      Predictor.open(onnx, { backend: 'onnxruntime', precision: 'bf16-mixed' }),
      /expected precision 'auto' or '32' with backend onnxruntime .* but got 'bf16-mixed'; use backend 'libtorch'/,
    );
    model.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
