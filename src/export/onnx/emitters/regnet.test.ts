// RegNet's export both ways: the ONNX graph (through onnxruntime's parity
// check in exportOnnx, at batch 1 and 3) for a RegNetY (squeeze-excitation,
// blocks with and without a projection) and a RegNetX inside a
// ClassificationModule, its BatchNorms folded into the convolutions; and the torchvision-named safetensors (RGB, and 1
// channel with the stem adaptation line), loaded by torchvision's own
// regnet_y_400mf with strict=True, giving our logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassificationModule } from '../../../models/classification-module.js';
import { regnetX400mf, regnetY400mf } from '../../../models/regnet.js';
import * as torch from '../../../torch/index.js';
import { loadSafetensors, saveSafetensors } from '../../../torch/serialization/safetensors.js';
import { PYTHON, checkOnnxFile, pythonHas, randomizeBatchNorm, tinyMetadata } from '../../testing.test-helper.js';
import { exportTorchvisionWeights } from '../../torchvision-weights.js';
import { exportOnnx } from '../export-onnx.js';
import { moduleLogits } from '../check-onnx-parity.js';
import { decodeOnnxModel } from '../onnx-proto.js';

torch.setNumThreads(1);
const dir = mkdtempSync(join(tmpdir(), 'regnet-export-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

for (const [name, build, foldBatchNorm] of [
  ['regnet_y_400mf', () => regnetY400mf({ numClasses: 3 }), false],
  ['regnet_x_400mf', () => new ClassificationModule(regnetX400mf({ numClasses: 3 }), { numClasses: 3 }), true],
] as const) {
  void test(`${name} (foldBatchNorm ${foldBatchNorm}): onnxruntime's logits match ours at batch 1 and 3`, async () => {
    torch.manualSeed(1);
    const model = build();
    randomizeBatchNorm(model);
    const path = join(dir, `${name}.onnx`);
    try {
      const result = await exportOnnx(model, { path, metadata: tinyMetadata(3, [3, 32, 32], name), foldBatchNorm });
      assert.deepEqual(
        result.parity?.batches.map((b) => b.batchSize),
        [1, 3],
      );
      assert.ok(result.parity.maxAbsDiff <= 1e-4, String(result.parity.maxAbsDiff));
      if (pythonHas('onnx')) assert.equal(checkOnnxFile(path), null);
      const ops = decodeOnnxModel(readFileSync(path)).graph.node.map((n) => n.opType);
      assert.equal(ops.includes('BatchNormalization'), !foldBatchNorm);
    } finally {
      model.dispose();
      rmSync(path, { force: true });
    }
  });
}

const skipTorchvision = pythonHas('torch', 'torchvision') ? false : `${PYTHON} cannot import torchvision`;

for (const channels of [3, 1]) {
  void test(
    `regnet_y_400mf, ${channels} channel(s): the exported safetensors load in torchvision (strict) and give our logits`,
    { skip: skipTorchvision },
    () => {
      torch.manualSeed(7);
      const module = new ClassificationModule(regnetY400mf({ numClasses: 4, inChannels: channels }), { numClasses: 4 });
      randomizeBatchNorm(module);
      const weights = join(dir, 'regnet_y_400mf.safetensors');
      const result = exportTorchvisionWeights(module, weights);
      assert.equal(result.adaptation.length, channels === 3 ? 0 : 1);
      assert.ok(result.keys.includes('trunk_output.block1.block1-0.f.se.fc1.bias') && result.keys.includes('fc.weight'));
      const written = loadSafetensors(weights);
      assert.deepEqual(
        { ...written.metadata },
        {
          format: 'pt',
          num_classes: '4',
          in_channels: String(channels),
          ...(channels === 3 ? {} : { pytorch_adaptation: result.adaptation[0] }),
        },
      );
      torch.dispose(written.tensors);
      const shape = [2, channels, 32, 32];
      const images = torch.randn(shape);
      const input = join(dir, 'input.safetensors');
      saveSafetensors({ images }, input);
      const output = join(dir, 'logits.bin');
      const script = new URL('../../torchvision-load.py', import.meta.url).pathname;
      const args = [script, weights, 'regnet_y_400mf', '4', result.adaptation.join('\n'), input, output];
      const python = spawnSync(PYTHON, args, { encoding: 'utf8' });
      assert.equal(python.status, 0, python.stderr);
      const theirs = new Float32Array(Uint8Array.from(readFileSync(output)).buffer);
      const ours = moduleLogits(module, images.data() as Float32Array, shape);
      images.dispose();
      module.dispose();
      assert.equal(theirs.length, ours.data.length);
      const maxDiff = Math.max(...theirs.map((v, i) => Math.abs(v - ours.data[i])));
      assert.ok(maxDiff <= 1e-4, `max abs difference ${maxDiff}`);
    },
  );
}
