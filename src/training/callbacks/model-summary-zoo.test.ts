// The model summary's parameter counts and multiply-adds against the figures
// torchvision publishes for its models (the "Params" and "GFLOPS" columns of
// its model tables, at 224x224 or the size it measured a model at). Its
// GFLOPS are multiply-adds of convolutions, linear layers and matrix
// products, without BatchNorm's, which the summary's total counts (eval-mode
// BN is one multiply-add per element): they are taken out here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../models/index.js';
import { registry } from '../../registry.js';
import * as torch from '../../torch/index.js';
import type { Module } from '../../torch/nn/index.js';
import { summarize } from './model-summary.js';

torch.setNumThreads(1);

/** torchvision's published figures: [registry name, parameters, GFLOPS as printed (2 decimals), image size if not 224]. */
const published: [string, number, string, number?][] = [
  ['resnet50', 25_557_032, '4.09'],
  ['resnext50_32x4d', 25_028_904, '4.23'],
  ['regnet_y_800mf', 6_432_512, '0.83'],
  ['regnet_y_400mf', 4_344_144, '0.40'],
  ['regnet_x_400mf', 5_495_976, '0.41'],
  ['efficientnet_b0', 5_288_548, '0.39'],
  ['mobilenet_v2', 3_504_872, '0.30'],
  ['mobilenet_v3_large', 5_483_032, '0.22'],
  ['mobilenet_v3_small', 2_542_856, '0.06'],
  ['efficientnet_b1', 7_794_184, '0.69', 240],
  ['efficientnet_v2_s', 21_458_488, '8.37', 384],
  ['convnext_tiny', 28_589_128, '4.46'],
  ['vit_b_16', 86_567_656, '17.56'],
  ['swin_t', 28_288_354, '4.49'],
  ['swin_v2_t', 28_351_570, '5.94', 256],
];

for (const [name, params, gflops, size = 224] of published) {
  void test(`${name}: ${params} parameters and ${gflops} GMACs without BatchNorm at ${size}x${size}`, () => {
    torch.manualSeed(0);
    const model = registry.build<Module>('model', { name });
    try {
      const summary = summarize(model, [3, size, size], { maxDepth: -1 });
      assert.equal(summary.totalParams, params);
      const batchNorm = summary.rows.filter((r) => r.type === 'BatchNorm2d').reduce((sum, r) => sum + r.macs, 0);
      assert.ok(summary.macs !== null);
      assert.equal(((summary.macs - batchNorm) / 1e9).toFixed(2), gflops);
    } finally {
      model.dispose();
    }
  });
}
