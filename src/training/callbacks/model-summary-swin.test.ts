// The model summary counts window attention (its projections and matmuls run inside the layer's
// own forward, so it declares them through forwardMacs) and gives torchvision's published figures:
// swin_t 28,288,354 params / 4.49 GFLOPS at 224x224, swin_v2_t 28,351,570 / 5.94 at 256x256
// (torchvision's "GFLOPS" are multiply-adds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { swinT, swinV2T } from '../../models/swin.js';
import * as torch from '../../torch/index.js';
import { summarize } from './model-summary.js';

torch.setNumThreads(1);

for (const [name, factory, size, params, gmacs] of [
  ['swin_t', swinT, 224, 28_288_354, 4.49],
  ['swin_v2_t', swinV2T, 256, 28_351_570, 5.94],
] as const) {
  void test(`${name} at ${size}x${size}: ${params} params and ${gmacs} GMACs, as torchvision publishes`, () => {
    const model = factory();
    try {
      const summary = summarize(model, [3, size, size], { maxDepth: 4 });
      assert.equal(summary.totalParams, params);
      assert.ok(summary.macs !== null && Math.abs(summary.macs / 1e9 - gmacs) < 0.005, `${summary.macs} MACs`);
      const attention = summary.rows.find((r) => r.name === 'features.1.0.attn');
      assert.ok(attention !== undefined && attention.macs > 0, 'window attention counts its own multiply-adds');
    } finally {
      model.dispose();
    }
  });
}
