// The model summary's parameter counts and multiply-adds at 224x224 against
// the figures torchvision publishes for its models (the "Params" and "GFLOPS"
// columns of its model tables). Its GFLOPS are multiply-adds of convolutions,
// linear layers and matrix products, without BatchNorm's, which the summary's
// total counts (eval-mode BN is one multiply-add per element): they are taken
// out here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../models/index.js';
import { registry } from '../../registry.js';
import * as torch from '../../torch/index.js';
import type { Module } from '../../torch/nn/index.js';
import { summarize } from './model-summary.js';

torch.setNumThreads(1);

/** torchvision's published figures: [registry name, parameters, GFLOPS as printed (2 decimals)]. */
const published: [string, number, string][] = [
  ['resnet50', 25_557_032, '4.09'],
  ['resnext50_32x4d', 25_028_904, '4.23'],
  ['regnet_y_800mf', 6_432_512, '0.83'],
  ['regnet_y_400mf', 4_344_144, '0.40'],
  ['regnet_x_400mf', 5_495_976, '0.41'],
];

for (const [name, params, gflops] of published) {
  void test(`${name}: ${params} parameters and ${gflops} GMACs without BatchNorm at 224x224`, () => {
    torch.manualSeed(0);
    const model = registry.build<Module>('model', { name });
    try {
      const summary = summarize(model, [3, 224, 224], { maxDepth: -1 });
      assert.equal(summary.totalParams, params);
      const batchNorm = summary.rows.filter((r) => r.type === 'BatchNorm2d').reduce((sum, r) => sum + r.macs, 0);
      assert.ok(summary.macs !== null);
      assert.equal(((summary.macs - batchNorm) / 1e9).toFixed(2), gflops);
    } finally {
      model.dispose();
    }
  });
}
