// Grad-CAM and Grad-CAM++ against PyTorch: scripts/fixtures/grad_cam.py
// computes the maps with forward and tensor hooks on the same layers of the
// same weights (written at test time: resnet18's are too big to check in).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { ClassificationModule } from '../models/classification-module.js';
import { resnet18 } from '../models/resnet.js';
import { SwinTransformer } from '../models/swin.js';
import { VisionTransformer } from '../models/vision-transformer.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { loadSafetensors } from '../torch/serialization/safetensors.js';
import { gradCam } from './grad-cam.js';

const python = '/usr/bin/python3';
const script = new URL('../../scripts/fixtures/grad_cam.py', import.meta.url).pathname;
const hasTorchvision = spawnSync(python, ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0;
const skip = hasTorchvision ? false : `${python} cannot import torchvision`;

let dir = '';
before(() => {
  torch.setNumThreads(1);
  if (skip !== false) return;
  dir = mkdtempSync(join(tmpdir(), 'grad-cam-'));
  const result = spawnSync(python, [script, dir], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});
after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const maxDiff = (a: Tensor, b: Tensor): number => torch.tidy(() => a.sub(b).abs().max().item());
const asNumbers = (t: Tensor): number[] => Array.from(t.data() as BigInt64Array, Number);

function loaded<M extends { loadStateDict(w: Record<string, Tensor>): unknown }>(model: M, name: string): M {
  const weights = loadSafetensors(join(dir, `${name}.weights.safetensors`)).tensors;
  model.loadStateDict(weights);
  torch.dispose(weights);
  return model;
}

function checkAgainstReference(model: Module, name: string, extra: string[]): void {
  const ref = loadSafetensors(join(dir, `${name}.cam.safetensors`)).tensors;
  try {
    const cases: [string, Parameters<typeof gradCam>[2]][] = [
      ['gradcam', {}],
      ['gradcampp', { method: 'gradcam++' }],
      ['gradcam_given', { targets: asNumbers(ref.given) }],
      ...(extra.includes('layer3') ? [['gradcam_layer3', { layer: 'layer3' }] as [string, Parameters<typeof gradCam>[2]]] : []),
    ];
    for (const [key, options] of cases) {
      const result = gradCam(model, ref.x, options);
      assert.deepEqual(result.cams.shape, [3, ...ref.x.shape.slice(2)]);
      if (options?.targets === undefined) assert.deepEqual(result.targets, asNumbers(ref.targets), `${name} ${key}: targets`);
      const diff = maxDiff(result.cams, ref[key]);
      assert.ok(diff <= 1e-4, `${name} ${key}: maps differ from PyTorch's by ${diff}`);
      torch.tidy(() => assert.ok(ref[key].max().item() > 0.99, `${name} ${key}: the reference is a flat map`));
      torch.dispose(result);
    }
  } finally {
    torch.dispose(ref);
  }
}

void test("resnet18 (wrapped in a ClassificationModule): Grad-CAM and Grad-CAM++ equal PyTorch's at layer4 and layer3", { skip }, () => {
  torch.manualSeed(0);
  const module = new ClassificationModule(loaded(resnet18({ numClasses: 10 }), 'resnet18'), { numClasses: 10 });
  try {
    checkAgainstReference(module, 'resnet18', ['layer3']);
  } finally {
    module.dispose();
  }
});

void test("a tiny ViT: Grad-CAM on the last block's ln_1 tokens equals PyTorch's", { skip }, () => {
  torch.manualSeed(0);
  const vit = loaded(
    new VisionTransformer({ patchSize: 8, numLayers: 2, numHeads: 2, hiddenDim: 16, mlpDim: 32 }, { numClasses: 10, imageSize: 32 }),
    'vit_tiny',
  );
  try {
    assert.equal(vit.camLayer.path, 'encoder.layers.encoder_layer_1.ln_1');
    checkAgainstReference(vit, 'vit_tiny', []);
  } finally {
    vit.dispose();
  }
});

void test("a tiny Swin: Grad-CAM on the final norm's NHWC output equals PyTorch's", { skip }, () => {
  torch.manualSeed(0);
  const architecture = { name: 'swin_tiny', embedDim: 16, depths: [1, 1], numHeads: [1, 2], windowSize: [2, 2] as [number, number] };
  const swin = loaded(
    new SwinTransformer({ ...architecture, stochasticDepthProb: 0, version: 1, patchSize: [4, 4] }, { numClasses: 10 }),
    'swin_tiny',
  );
  try {
    assert.deepEqual(swin.camLayer, { path: 'norm', layout: 'nhwc' });
    checkAgainstReference(swin, 'swin_tiny', []);
  } finally {
    swin.dispose();
  }
});

void test('gradCam leaves the model as it found it and frees what it made', () => {
  torch.manualSeed(0);
  const model = resnet18({ numClasses: 4 });
  const x = torch.randn([2, 3, 32, 32]);
  try {
    model.train();
    torch.dispose(gradCam(model, x)); // warm-up: lazily created native state is not a leak
    const before = torch.memory().liveTensors;
    const result = gradCam(model, x, { method: 'gradcam++' });
    torch.dispose(result);
    assert.equal(torch.memory().liveTensors, before);
    assert.ok([...model.modules()].every((m) => m.training));
    assert.ok(model.parameters().every((p) => p.requiresGrad && p.grad === null));
  } finally {
    model.dispose();
    x.dispose();
  }
});

void test('gradCam: an unknown layer lists the valid paths; bad targets and methods are ConfigErrors', () => {
  const model = resnet18({ numClasses: 4 });
  const x = torch.randn([1, 3, 32, 32]);
  try {
    assert.throws(
      () => gradCam(model, x, { layer: 'layer5' }),
      (e: Error) => e instanceof ConfigError && /layer4, avgpool, fc/.test(e.message),
    );
    assert.throws(
      () => gradCam(model, x, { layer: 'layer4.7' }),
      /expected a module path such as layer4\.0, layer4\.1, but got 'layer4\.7'/,
    );
    assert.throws(() => gradCam(model, x, { targets: [4] }), /one target class per image \(1\), each an integer in \[0, 4\)/);
    assert.throws(() => gradCam(model, x, { method: 'cam' as 'gradcam' }), /expected method among gradcam, gradcam\+\+/);
  } finally {
    model.dispose();
    x.dispose();
  }
});
