// The zoo's shared layers export to ONNX and match onnxruntime (the export's parity check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqueezeExcitation } from '../../../models/layers/index.js';
import * as torch from '../../../torch/index.js';
import {
  AdaptiveAvgPool2d,
  Conv2d,
  Flatten,
  GELU,
  Hardsigmoid,
  Hardswish,
  LayerNorm,
  Linear,
  Permute,
  SiLU,
  Sequential,
  Sigmoid,
  StochasticDepth,
} from '../../../torch/nn/index.js';
import { tinyMetadata } from '../../testing.test-helper.js';
import { exportOnnx } from '../export-onnx.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx-zoo-layers-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

void test('GELU (both forms), SiLU, Hardswish, Hardsigmoid, Sigmoid, LayerNorm, Permute, StochasticDepth and SqueezeExcitation export and match onnxruntime', async () => {
  torch.manualSeed(7);
  const norm = new LayerNorm(8, { eps: 1e-6 });
  torch.noGrad(() => {
    norm.weight!.normal_();
    norm.bias!.normal_();
  });
  const model = new Sequential(
    new Conv2d(3, 8, 3, { padding: 1 }),
    new SqueezeExcitation(8, 2, { activation: () => new SiLU(), scaleActivation: () => new Hardsigmoid() }),
    new GELU(),
    new Hardswish(),
    new Permute([0, 2, 3, 1]),
    norm,
    new Permute([0, 3, 1, 2]),
    new StochasticDepth(0.5, 'row'),
    new SiLU({ inplace: true }),
    new AdaptiveAvgPool2d(1),
    new Flatten(),
    new Linear(8, 3),
    new GELU({ approximate: 'tanh' }),
    new Sigmoid(),
  );
  try {
    const result = await exportOnnx(model, { path: join(dir, 'zoo-layers.onnx'), metadata: tinyMetadata(3, [3, 6, 6]) });
    assert.ok(result.parity !== null && result.parity.maxAbsDiff <= 1e-5, JSON.stringify(result.parity));
  } finally {
    model.dispose();
  }
});

void test('int64 constants (a Reshape shape) are written inline and shared by value', async () => {
  const { OnnxGraphBuilder } = await import('../graph-builder.js');
  const g = new OnnxGraphBuilder();
  const a = g.addInt64Initializer('shape.tokens', [0, -1, 8]);
  assert.equal(g.addInt64Initializer('shape.tokens', [0, -1, 8]), a);
  assert.notEqual(g.addInt64Initializer('shape.tokens', [0, 8, -1]), a);
  assert.deepEqual([...(g.initializers.get(a)!.data as BigInt64Array)], [0n, -1n, 8n]);
});
