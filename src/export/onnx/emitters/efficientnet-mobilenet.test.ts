// EfficientNet (MBConv and Fused-MBConv stages), MobileNetV2 (ReLU6) and
// MobileNetV3 export to ONNX and match onnxruntime (the export's parity check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EfficientNet } from '../../../models/efficientnet.js';
import { mbconvConfig } from '../../../models/efficientnet-blocks.js';
import { mobilenetV2 } from '../../../models/mobilenet-v2.js';
import { mobilenetV3Small } from '../../../models/mobilenet-v3.js';
import * as torch from '../../../torch/index.js';
import type { Module } from '../../../torch/nn/index.js';
import { randomizeBatchNorm, tinyMetadata } from '../../testing.test-helper.js';
import { exportOnnx } from '../export-onnx.js';

torch.setNumThreads(1);
const dir = mkdtempSync(join(tmpdir(), 'onnx-efficientnet-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A two-stage EfficientNet: Fused-MBConv (expanding, then one that keeps its shape) and MBConv with SE. */
const tinyEfficientNet = (): EfficientNet =>
  new EfficientNet(
    {
      name: 'tiny_efficientnet',
      stages: [
        mbconvConfig({ block: 'fused', expandRatio: 4, kernel: 3, stride: 1, inputChannels: 8, outChannels: 8, numLayers: 2 }),
        mbconvConfig({ expandRatio: 4, kernel: 5, stride: 2, inputChannels: 8, outChannels: 16, numLayers: 2 }),
      ],
      lastChannel: 32,
      dropout: 0.2,
      batchNorm: { eps: 1e-3, momentum: 0.1 },
    },
    { numClasses: 3 },
  );

const cases: [string, () => Module][] = [
  ['tiny EfficientNet (Fused-MBConv, MBConv)', tinyEfficientNet],
  ['mobilenet_v2 (widthMult 0.5)', () => mobilenetV2({ numClasses: 3, widthMult: 0.5 })],
  ['mobilenet_v3_small', () => mobilenetV3Small({ numClasses: 3 })],
];

for (const [name, build] of cases) {
  void test(`${name} exports to ONNX and matches onnxruntime`, async () => {
    torch.manualSeed(11);
    const model = build();
    randomizeBatchNorm(model);
    try {
      const result = await exportOnnx(model, { path: join(dir, 'model.onnx'), metadata: tinyMetadata(3, [3, 32, 32]) });
      assert.ok(result.parity !== null && result.parity.maxAbsDiff <= 1e-4, JSON.stringify(result.parity));
    } finally {
      model.dispose();
    }
  });
}
