// ConvNeXt and ViT weights exported with torchvision's names load into
// torchvision with strict=True (a grayscale ConvNeXt after the adaptation
// line; a ViT built at the exported image_size) and give our logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassificationModule } from '../models/classification-module.js';
import { convnextTiny } from '../models/convnext.js';
import { vitB32 } from '../models/vision-transformer.js';
import * as torch from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { loadSafetensors, saveSafetensors } from '../torch/serialization/safetensors.js';
import { moduleLogits } from './onnx/check-onnx-parity.js';
import { PYTHON, pythonHas } from './testing.test-helper.js';
import { exportTorchvisionWeights } from './torchvision-weights.js';

torch.setNumThreads(1);
const script = new URL('./torchvision-load.py', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'torchvision-weights-zoo-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = pythonHas('torch', 'torchvision') ? false : `${PYTHON} cannot import torchvision`;

/** Moves every parameter a little, so the zero-initialised ViT head and the 1e-6 layer scales matter. */
function perturb(model: Module): void {
  torch.noGrad(() => {
    for (const p of model.parameters()) p.add_(torch.tidy(() => torch.randn(p.shape).mul(0.05)));
  });
}

const cases: [string, () => Module, number, Record<string, unknown>, string[]][] = [
  [
    'convnext_tiny',
    () => convnextTiny({ numClasses: 4, inChannels: 1 }),
    1,
    {},
    ['model.features[0][0] = torch.nn.Conv2d(1, 96, kernel_size=(4, 4), stride=(4, 4), padding=(0, 0), bias=True)'],
  ],
  ['vit_b_32', () => vitB32({ numClasses: 4, imageSize: 32 }), 3, { image_size: 32 }, []],
];

for (const [arch, build, channels, kwargs, adaptation] of cases) {
  void test(`${arch}: strict load in torchvision, same logits`, { skip }, () => {
    torch.manualSeed(7);
    const module = new ClassificationModule(build(), { numClasses: 4 });
    perturb(module);
    module.eval();
    const weights = join(dir, `${arch}.safetensors`);
    const result = exportTorchvisionWeights(module, weights);
    assert.deepEqual(result.adaptation, adaptation);
    const metadata = loadSafetensors(weights);
    if (arch.startsWith('vit')) assert.equal(metadata.metadata.image_size, '32');
    torch.dispose(metadata.tensors);
    const shape = [2, channels, 32, 32];
    const images = torch.randn(shape);
    const input = join(dir, 'input.safetensors');
    saveSafetensors({ images }, input);
    const output = join(dir, 'logits.bin');
    const args = [script, weights, arch, '4', result.adaptation.join('\n'), input, output, JSON.stringify(kwargs)];
    const python = spawnSync(PYTHON, args, { encoding: 'utf8' });
    assert.equal(python.status, 0, python.stderr);
    const theirs = new Float32Array(Uint8Array.from(readFileSync(output)).buffer);
    const ours = moduleLogits(module, images.data() as Float32Array, shape);
    images.dispose();
    assert.equal(theirs.length, ours.data.length);
    const scale = Math.max(1, ...theirs.map(Math.abs));
    const maxDiff = Math.max(...theirs.map((v, i) => Math.abs(v - ours.data[i])));
    assert.ok(maxDiff <= 1e-4 * scale, `max abs difference ${maxDiff} (scale ${scale})`);
    module.dispose();
  });
}
