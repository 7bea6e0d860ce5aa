// The model summary of convnext_tiny and vit_b_16 at 224x224 gives
// torchvision's published parameter counts and GFLOPS (multiply-adds):
// 28,589,128 / 4.46 and 86,567,656 / 17.56.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convnextTiny } from '../../models/convnext.js';
import { vitB16 } from '../../models/vision-transformer.js';
import * as torch from '../../torch/index.js';
import { summarize } from './model-summary.js';

torch.setNumThreads(1);

void test("convnext_tiny and vit_b_16: torchvision's published parameters and GFLOPS at 224x224", () => {
  for (const [build, params, gmacs] of [
    [convnextTiny, 28_589_128, 4.46],
    [vitB16, 86_567_656, 17.56],
  ] as const) {
    const model = build();
    const summary = summarize(model, [3, 224, 224]);
    model.dispose();
    assert.equal(summary.totalParams, params);
    assert.equal(Math.round(summary.macs! / 1e7) / 100, gmacs, `${summary.macs} multiply-adds`);
  }
});
