// A small ConvNeXt and a small Vision Transformer (the families' own classes,
// few and narrow layers) export to ONNX and match onnxruntime at batch 1 and
// 3 (the export's parity check); weights are perturbed so every block and the
// head matter (ViT's head starts at zero, ConvNeXt's layer scale at 1e-6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConvNeXt } from '../../../models/convnext.js';
import { VisionTransformer } from '../../../models/vision-transformer.js';
import * as torch from '../../../torch/index.js';
import type { Module } from '../../../torch/nn/index.js';
import { tinyMetadata } from '../../testing.test-helper.js';
import { exportOnnx } from '../export-onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx-convnext-vit-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function perturb(model: Module): void {
  torch.noGrad(() => {
    for (const [, p] of model.namedParameters()) p.add_(torch.tidy(() => torch.randn(p.shape).mul(0.1)));
  });
}

async function checkExport(model: Module, name: string, inputSize: [number, number, number]): Promise<void> {
  try {
    model.eval();
    const result = await exportOnnx(model, { path: join(dir, `${name}.onnx`), metadata: tinyMetadata(3, inputSize, name) });
    assert.ok(result.parity !== null && result.parity.maxAbsDiff <= 1e-4, JSON.stringify(result.parity));
  } finally {
    model.dispose();
  }
}

void test('a ConvNeXt (LayerNorm2d, CNBlock with layer scale, downsampling, head) exports and matches onnxruntime', async () => {
  torch.manualSeed(3);
  const model = new ConvNeXt(
    [
      { inputChannels: 8, outChannels: 16, numLayers: 2 },
      { inputChannels: 16, outChannels: null, numLayers: 1 },
    ],
    { numClasses: 3, layerScale: 0.5, stochasticDepthProb: 0.2 },
  );
  perturb(model);
  await checkExport(model, 'convnext', [3, 16, 16]);
});

void test('a Vision Transformer (patches, class token, multi-head attention, MLP, head) exports and matches onnxruntime', async () => {
  torch.manualSeed(4);
  const model = new VisionTransformer(
    { patchSize: 4, numLayers: 2, numHeads: 2, hiddenDim: 16, mlpDim: 32 },
    { numClasses: 3, imageSize: 12, dropout: 0.1, attentionDropout: 0.1 },
  );
  perturb(model);
  await checkExport(model, 'vit', [3, 12, 12]);
});
