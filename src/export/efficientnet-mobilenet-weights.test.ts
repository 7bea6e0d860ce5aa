// Exported EfficientNet and MobileNet weights load into torchvision's models with strict=True
// (run in /usr/bin/python3 by torchvision-load.py), after the stem adaptation for another channel
// count, and give our logits within 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassificationModule } from '../models/classification-module.js';
import { efficientnetB0 } from '../models/efficientnet.js';
import { mobilenetV2 } from '../models/mobilenet-v2.js';
import { mobilenetV3Small } from '../models/mobilenet-v3.js';
import * as torch from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { saveSafetensors } from '../torch/serialization/safetensors.js';
import { moduleLogits } from './onnx/check-onnx-parity.js';
import { PYTHON, pythonHas, randomizeBatchNorm } from './testing.test-helper.js';
import { exportTorchvisionWeights } from './torchvision-weights.js';

torch.setNumThreads(1);
const script = new URL('./torchvision-load.py', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'torchvision-weights-effnet-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = pythonHas('torch', 'torchvision') ? false : `${PYTHON} cannot import torchvision`;

/** [arch, build, input channels, the adaptation torchvision's model needs first]. */
const cases: [string, () => Module, number, string[]][] = [
  ['efficientnet_b0', () => efficientnetB0({ numClasses: 4 }), 3, []],
  [
    'mobilenet_v2',
    () => mobilenetV2({ numClasses: 4, inChannels: 1 }),
    1,
    ['model.features[0][0] = torch.nn.Conv2d(1, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)'],
  ],
  [
    'mobilenet_v3_small',
    () => mobilenetV3Small({ numClasses: 4, inChannels: 2 }),
    2,
    ['model.features[0][0] = torch.nn.Conv2d(2, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)'],
  ],
];

for (const [arch, build, channels, adaptation] of cases) {
  void test(`${arch} (${channels} channels): strict load in torchvision after the adaptation lines, same logits`, { skip }, () => {
    torch.manualSeed(7);
    const module = new ClassificationModule(build(), { numClasses: 4 });
    randomizeBatchNorm(module);
    try {
      const weights = join(dir, `${arch}.safetensors`);
      const result = exportTorchvisionWeights(module, weights);
      assert.ok(result.keys.includes('features.0.0.weight') && result.keys.some((k) => k.startsWith('classifier.')));
      assert.deepEqual(result.adaptation, adaptation);
      const shape = [2, channels, 32, 32];
      const images = torch.randn(shape);
      const input = join(dir, 'input.safetensors');
      saveSafetensors({ images }, input);
      const output = join(dir, 'logits.bin');
      const python = spawnSync(PYTHON, [script, weights, arch, '4', adaptation.join('\n'), input, output], { encoding: 'utf8' });
      assert.equal(python.status, 0, python.stderr);
      const theirs = new Float32Array(Uint8Array.from(readFileSync(output)).buffer);
      const ours = moduleLogits(module, images.data() as Float32Array, shape);
      images.dispose();
      assert.equal(theirs.length, ours.data.length);
      const maxDiff = Math.max(...theirs.map((v, i) => Math.abs(v - ours.data[i])));
      assert.ok(maxDiff <= 1e-4, `max abs difference ${maxDiff}`);
    } finally {
      module.dispose();
    }
  });
}
