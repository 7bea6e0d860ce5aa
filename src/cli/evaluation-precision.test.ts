import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeBf16 } from '../export/libtorch-logits.js';
import { evaluationPrecision } from './evaluation-precision.js';

const cpuRun = { precision: '32', memoryFormat: 'auto', device: 'auto' } as const;

void test("evaluationPrecision: 'auto' on CPU follows the CPU's native bf16, not the run's training precision", () => {
  const expected = nativeBf16() ? { precision: 'bf16-mixed', memoryFormat: 'auto' } : { precision: '32', memoryFormat: 'auto' };
  assert.deepEqual(evaluationPrecision('auto', cpuRun, { cuda: false }), expected);
  assert.deepEqual(evaluationPrecision('auto', { ...cpuRun, precision: 'bf16-mixed' }, { cuda: false }), expected);
});

void test("evaluationPrecision: a forced precision wins; bf16 gets channels-last even from a contiguous run; fp32 keeps the run's format", () => {
  assert.deepEqual(evaluationPrecision('32', { ...cpuRun, precision: 'bf16-mixed', memoryFormat: 'channelsLast' }, { cuda: false }), {
    precision: '32',
    memoryFormat: 'channelsLast',
  });
  assert.deepEqual(evaluationPrecision('bf16-mixed', { ...cpuRun, memoryFormat: 'contiguous' }, { cuda: false }), {
    precision: 'bf16-mixed',
    memoryFormat: 'channelsLast',
  });
  assert.throws(
    () => evaluationPrecision('fp16' as never, cpuRun, { cuda: false }),
    /expected precision among auto, 32, bf16-mixed, but got 'fp16'/,
  );
});

void test("evaluationPrecision: 'auto' on a GPU (asked for, or 'auto' with CUDA there) keeps the run's own precision", () => {
  const gpuRun = { precision: '16-mixed', memoryFormat: 'auto', device: 'cuda' } as const;
  assert.deepEqual(evaluationPrecision('auto', gpuRun, { cuda: true }), { precision: '16-mixed', memoryFormat: 'auto' });
  assert.deepEqual(evaluationPrecision('auto', { ...gpuRun, device: 'auto' }, { cuda: true }), {
    precision: '16-mixed',
    memoryFormat: 'auto',
  });
  assert.deepEqual(evaluationPrecision('32', gpuRun, { cuda: true }), { precision: '32', memoryFormat: 'auto' });
});
