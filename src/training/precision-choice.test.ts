import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoCandidates, describeChoice, median, pickFastest, ruleChoice, savedChoice } from './precision-choice.js';
import type { PrecisionChoice } from './precision-choice.js';

const bf16CL: PrecisionChoice = { precision: 'bf16-mixed', memoryFormat: 'channelsLast' };
const bf16C: PrecisionChoice = { precision: 'bf16-mixed', memoryFormat: 'contiguous' };
const fp32CL: PrecisionChoice = { precision: '32', memoryFormat: 'channelsLast' };
const fp32C: PrecisionChoice = { precision: '32', memoryFormat: 'contiguous' };
const auto = { precision: 'auto', memoryFormat: 'auto' } as const;

void test('candidates: bf16 only with native bf16 or CUDA, channels-last first, a fixed format kept', () => {
  assert.deepEqual(autoCandidates(auto, { device: 'cpu', nativeBf16: true }), [bf16CL, bf16C, fp32CL, fp32C]);
  assert.deepEqual(autoCandidates(auto, { device: 'cuda', nativeBf16: false }), [bf16CL, bf16C, fp32CL, fp32C]);
  assert.deepEqual(autoCandidates(auto, { device: 'cpu', nativeBf16: false }), [fp32CL, fp32C]);
  assert.deepEqual(autoCandidates({ precision: 'auto', memoryFormat: 'contiguous' }, { device: 'cpu', nativeBf16: true }), [bf16C, fp32C]);
  assert.deepEqual(autoCandidates({ precision: '32', memoryFormat: 'auto' }, { device: 'cpu', nativeBf16: true }), [fp32C]);
});

void test('rule: bf16 + channels-last with bf16 hardware or CUDA, fp32 + channels-last otherwise; fixed precisions keep the old format rule', () => {
  assert.deepEqual(ruleChoice(auto, { device: 'cpu', nativeBf16: true }), bf16CL);
  assert.deepEqual(ruleChoice(auto, { device: 'cuda', nativeBf16: false }), bf16CL);
  assert.deepEqual(ruleChoice(auto, { device: 'cpu', nativeBf16: false }), fp32CL);
  assert.deepEqual(ruleChoice({ precision: 'auto', memoryFormat: 'contiguous' }, { device: 'cpu', nativeBf16: true }), bf16C);
  assert.deepEqual(ruleChoice({ precision: '32', memoryFormat: 'auto' }, { device: 'cpu', nativeBf16: true }), fp32C);
  assert.deepEqual(ruleChoice({ precision: '32', memoryFormat: 'auto' }, { device: 'cuda', nativeBf16: false }), fp32CL);
  assert.deepEqual(ruleChoice({ precision: 'bf16-mixed', memoryFormat: 'contiguous' }, { device: 'cpu', nativeBf16: false }), bf16C);
});

void test('pickFastest: the fastest, unless an earlier candidate is within the 5% margin', () => {
  const timed = (ms: number[]) => [bf16CL, bf16C, fp32CL, fp32C].map((choice, i) => ({ choice, msPerStep: ms[i] }));
  assert.deepEqual(pickFastest(timed([191, 196, 210, 274])).choice, bf16CL);
  assert.deepEqual(pickFastest(timed([300, 196, 150, 274])).choice, fp32CL);
  // 104 is within 5% of 100: the earlier candidate stays; 106 is not.
  assert.deepEqual(pickFastest(timed([104, 300, 100, 300])).choice, bf16CL);
  assert.deepEqual(pickFastest(timed([106, 300, 100, 300])).choice, fp32CL);
  assert.deepEqual(pickFastest(timed([106, 300, 100, 300]), 0.1).choice, bf16CL);
  assert.throws(() => pickFastest([]), RangeError);
});

void test('median and the words of a choice', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(describeChoice(bf16CL), 'bf16-mixed channels-last');
  assert.equal(describeChoice(fp32C), 'fp32 contiguous');
});

void test("a checkpoint's saved choice is read back only when it is one", () => {
  assert.deepEqual(savedChoice({ precision: '32', memoryFormat: 'contiguous' }), fp32C);
  assert.deepEqual(savedChoice({ precision: 'bf16-mixed', memoryFormat: 'channelsLast', other: 1 }), bf16CL);
  for (const bad of [undefined, null, 'bf16-mixed', { precision: 'auto', memoryFormat: 'contiguous' }, { precision: '32' }])
    assert.equal(savedChoice(bad), null, JSON.stringify(bad));
});
