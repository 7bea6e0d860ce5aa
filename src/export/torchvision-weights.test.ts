// Exported weights load into torchvision with strict=True (after the documented adaptation lines,
// run verbatim in /usr/bin/python3) and give our logits within 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassificationModule } from '../models/classification-module.js';
import { resnetFactories } from '../models/resnet.js';
import type { ResNetOptions } from '../models/resnet.js';
import * as torch from '../torch/index.js';
import { saveSafetensors } from '../torch/serialization/safetensors.js';
import { PYTHON, pythonHas, randomizeBatchNorm } from './testing.test-helper.js';
import { exportTorchvisionWeights, pytorchAdaptation } from './torchvision-weights.js';
import { moduleLogits } from './onnx/check-onnx-parity.js';

torch.setNumThreads(1); // see export-onnx.test.ts: a shared, loaded test machine
const script = new URL('./torchvision-load.py', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'torchvision-weights-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const skip = pythonHas('torch', 'torchvision') ? false : `${PYTHON} cannot import torchvision`;

const cases: [keyof typeof resnetFactories, ResNetOptions, number][] = [
  ['resnet18', {}, 3],
  ['resnet50', { stem: 'small', inChannels: 1 }, 1],
  ['resnet18', { stem: 'small' }, 3],
  ['resnext50_32x4d', { inChannels: 2 }, 2],
];

for (const [arch, options, channels] of cases) {
  void test(`${arch} ${JSON.stringify(options)}: strict load in torchvision, same logits`, { skip }, () => {
    torch.manualSeed(7);
    const module = new ClassificationModule(resnetFactories[arch]({ numClasses: 4, ...options }), { numClasses: 4 });
    module.setClassWeights([1, 1, 2, 2]);
    randomizeBatchNorm(module);
    const weights = join(dir, `${arch}.safetensors`);
    const result = exportTorchvisionWeights(module, weights);
    assert.ok(result.keys.includes('conv1.weight') && result.keys.includes('fc.bias'));
    assert.ok(result.keys.every((k) => !k.startsWith('backbone.') && !k.includes('classWeights')));
    assert.equal(result.adaptation.length, options.stem === 'small' ? 2 : options.inChannels === undefined ? 0 : 1);
    const shape = [2, channels, 32, 32];
    const images = torch.randn(shape);
    const input = join(dir, 'input.safetensors');
    saveSafetensors({ images }, input);
    const output = join(dir, 'logits.bin');
    const python = spawnSync(PYTHON, [script, weights, arch, '4', result.adaptation.join('\n'), input, output], { encoding: 'utf8' });
    assert.equal(python.status, 0, python.stderr);
    const theirs = new Float32Array(Uint8Array.from(readFileSync(output)).buffer);
    const ours = moduleLogits(module, images.data() as Float32Array, shape);
    images.dispose();
    assert.equal(theirs.length, ours.data.length);
    const maxDiff = Math.max(...theirs.map((v, i) => Math.abs(v - ours.data[i])));
    assert.ok(maxDiff <= 1e-4, `max abs difference ${maxDiff}`);
    module.dispose();
  });
}

void test('the doc comment shows the adaptation lines pytorchAdaptation gives', () => {
  const source = readFileSync(new URL('./torchvision-weights.ts', import.meta.url), 'utf8');
  const model = resnetFactories.resnet18({ stem: 'small', inChannels: 1 });
  for (const line of pytorchAdaptation(model)) assert.ok(source.includes(` * ${line}\n`), line);
  model.dispose();
});
