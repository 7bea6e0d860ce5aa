// moduleFromOnnx: the module rebuilt from an export (inline and external weights, with and
// without the ClassificationModule's prefix) gives the original's logits bit for bit; a
// BN-folded export is refused with the way out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassificationModule } from '../models/classification-module.js';
import { resnet18 } from '../models/resnet.js';
import * as torch from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { moduleFromOnnx } from './module-from-onnx.js';
import { exportOnnx } from './onnx/export-onnx.js';
import { randomizeBatchNorm, tinyMetadata } from './testing.test-helper.js';

torch.setNumThreads(1); // see export-onnx.test.ts
const dir = mkdtempSync(join(tmpdir(), 'module-from-onnx-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const logitsOf = (m: Module, x: torch.Tensor): Float32Array => torch.noGrad(() => torch.tidy(() => m.forward(x).data() as Float32Array));

void test('moduleFromOnnx rebuilds the model with its weights: inline or external data, module or bare backbone', async () => {
  torch.manualSeed(11);
  const backbone = resnet18({ numClasses: 3, stem: 'small' });
  randomizeBatchNorm(backbone);
  const wrapped = new ClassificationModule(backbone, { numClasses: 3 });
  wrapped.eval();
  const x = torch.randn([2, 3, 8, 8]);
  const expected = logitsOf(wrapped, x);
  const cases = [
    { name: 'wrapped.onnx', module: wrapped as Module, externalDataThresholdBytes: undefined },
    { name: 'bare.onnx', module: backbone as Module, externalDataThresholdBytes: 1024 },
  ];
  try {
    for (const c of cases) {
      const path = join(dir, c.name);
      const { dataPath } = await exportOnnx(c.module, {
        path,
        metadata: tinyMetadata(3, [3, 8, 8]),
        parity: false,
        externalDataThresholdBytes: c.externalDataThresholdBytes,
      });
      assert.equal(dataPath !== null, c.externalDataThresholdBytes !== undefined);
      const rebuilt = moduleFromOnnx(path);
      try {
        assert.equal(rebuilt.training, false);
        assert.deepEqual(logitsOf(rebuilt, x), expected, c.name);
      } finally {
        rebuilt.dispose();
      }
    }
  } finally {
    x.dispose();
    wrapped.dispose();
  }
});

void test('a BN-folded export is refused, naming the weights and the way out', async () => {
  torch.manualSeed(12);
  const model = resnet18({ numClasses: 3, stem: 'small' });
  const path = join(dir, 'folded.onnx');
  await exportOnnx(model, { path, metadata: tinyMetadata(3, [3, 8, 8]), parity: false, foldBatchNorm: true });
  assert.throws(
    () => moduleFromOnnx(path),
    /expected initializers named as resnet18's weights \(an export without --fold-bn\), but got missing bn1\.weight.*unexpected conv1\.bias.*run the checkpoint instead, or use the onnxruntime backend/,
  );
  model.dispose();
});
