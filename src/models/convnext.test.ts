// ConvNeXt against torchvision 0.14: convnext_tiny's names, seeded init,
// eval and train logits (stochastic depth drawn after the same seed) and
// gradients at 32x32 (references generated at test time); the larger models'
// names and shapes against test/fixtures/zoo/convnext-vit-shapes.json
// (scripts/fixtures/zoo_shapes.py); the registry, the layout, inChannels,
// memory and a bf16-mixed training step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { registry } from '../registry.js';
import { ConfigError, ShapeError } from '../errors.js';
import * as torch from '../torch/index.js';
import { Precision } from '../training/precision.js';
import { groupOf } from './backbone.js';
import { ConvNeXt, convnextFactories, convnextTiny } from './convnext.js';
import { pretrainedWeights } from './pretrained-weights.js';
import { checkParity, torchvisionMissing, torchvisionReference } from './zoo-parity.test-helper.js';

torch.setNumThreads(1);
const shapes = JSON.parse(readFileSync(new URL('../../test/fixtures/zoo/convnext-vit-shapes.json', import.meta.url), 'utf8')) as Record<
  string,
  Record<string, number[]>
>;

void test('convnext_tiny matches torchvision: names, seeded init, eval and train logits, gradients', { skip: torchvisionMissing }, () => {
  const dir = torchvisionReference(['convnext_tiny:{"stochastic_depth_prob": 0.5}'], { size: 32, batch: 2 });
  try {
    checkParity(() => convnextTiny({ numClasses: 10, stochasticDepthProb: 0.5 }), dir, 'convnext_tiny', { init: /./ });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("convnext_small, base and large have torchvision's parameter names and shapes", () => {
  for (const name of ['convnext_small', 'convnext_base', 'convnext_large'] as const) {
    const model = convnextFactories[name]();
    const own = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape]));
    model.dispose();
    assert.deepEqual(own, shapes[name], name);
  }
});

void test('every ConvNeXt is registered with validated options, its weights ids and transforms', () => {
  assert.deepEqual(
    registry.list('model').filter((n) => n.startsWith('convnext')),
    ['convnext_base', 'convnext_large', 'convnext_small', 'convnext_tiny'],
  );
  const model = registry.build<ConvNeXt>('model', 'convnext_tiny', { numClasses: 3, inChannels: 1 });
  assert.ok(model instanceof ConvNeXt);
  assert.deepEqual(model.modelInfo, {
    name: 'convnext_tiny',
    options: { numClasses: 3, inChannels: 1, stochasticDepthProb: 0.1, layerScale: 1e-6 },
  });
  torch.tidy(() => {
    const state = model.stateDict();
    assert.deepEqual(state['features.0.0.weight'].shape, [96, 1, 4, 4]);
    assert.deepEqual(state['classifier.2.weight'].shape, [3, 768]);
    const features = torch.noGrad(() => model.eval().forwardFeatures(torch.randn([1, 1, 32, 32])));
    assert.deepEqual(features.shape, [1, 768]);
  });
  model.dispose();
  assert.throws(
    () => registry.build('model', 'convnext_tiny', { numClasses: 0, stochasticDepthProb: 2, depth: 3 }),
    (e: Error) =>
      e instanceof ConfigError && /numClasses/.test(e.message) && /stochasticDepthProb/.test(e.message) && /depth/.test(e.message),
  );
  assert.deepEqual(pretrainedWeights['convnext_small.imagenet1k_v1'].transforms, {
    resizeSize: 230,
    cropSize: 224,
    interpolation: 'bilinear',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  });
  assert.equal(pretrainedWeights['convnext_large.imagenet1k_v1'].url, 'https://download.pytorch.org/models/convnext_large-ea097f82.pth');
});

void test('the ConvNeXt layout puts every parameter in a group, stem first and the head Linear last', () => {
  const model = convnextTiny({ numClasses: 4 });
  const { layout } = model;
  assert.equal(layout.stemWeight, 'features.0.0.weight');
  assert.deepEqual(layout.groups, [
    ['features.0'],
    ['features.1'],
    ['features.2', 'features.3'],
    ['features.4', 'features.5'],
    ['features.6', 'features.7', 'classifier.0'],
  ]);
  const groups = model.namedParameters().map(([k]) => groupOf(layout, k));
  assert.deepEqual([...new Set(groups)], [0, 1, 2, 3, 4, 5]);
  assert.equal(groupOf(layout, 'classifier.2.weight'), 5);
  assert.equal(groupOf(layout, 'classifier.0.weight'), 4);
  model.dispose();
});

void test('ConvNeXt refuses images under 32x32 by their shape, before libtorch fails inside a downsampling', () => {
  const model = convnextTiny({ numClasses: 4, inChannels: 1 });
  torch.noGrad(() => {
    assert.throws(
      () => model.forward(torch.zeros([1, 1, 28, 40])),
      (e: Error) =>
        e instanceof ShapeError &&
        e.message === 'ConvNeXt: expected images [N, C, H, W] of 32x32 or more (data.imageSize), but got [1, 1, 28, 40]',
    );
    assert.throws(() => model.forwardFeatures(torch.zeros([1, 1, 40, 31])), /of 32x32 or more/);
    const twoStages = new ConvNeXt(
      [
        { inputChannels: 8, outChannels: 16, numLayers: 1 },
        { inputChannels: 16, outChannels: null, numLayers: 1 },
      ],
      { numClasses: 2 },
    );
    assert.throws(() => twoStages.forward(torch.zeros([1, 3, 7, 8])), /of 8x8 or more .* but got \[1, 3, 7, 8\]/);
    const small = twoStages.forward(torch.zeros([1, 3, 8, 8]));
    assert.deepEqual(small.shape, [1, 2]);
    small.dispose();
    twoStages.dispose();
    const logits = model.forward(torch.zeros([1, 1, 32, 32]));
    assert.deepEqual(logits.shape, [1, 4]);
    logits.dispose();
  });
  model.dispose();
});

void test('ConvNeXt training steps leave no tensors behind, in fp32 and in bf16-mixed with channels-last', () => {
  const model = convnextTiny({ numClasses: 4 });
  const before = torch.memory().liveTensors;
  const precision = new Precision('bf16-mixed', 'cpu');
  for (const mixed of [false, true]) {
    torch.tidy(() => {
      const x = torch.randn([2, 3, 32, 32]);
      const input = mixed ? x.contiguous('channelsLast') : x;
      const logits = mixed ? precision.forward(() => model.forward(input)) : model.forward(input);
      assert.equal(logits.dtype, mixed ? 'bfloat16' : 'float32');
      const loss = torch.crossEntropy(logits.float(), torch.tensor([0n, 3n]));
      assert.ok(Number.isFinite(loss.item()));
      loss.backward();
      assert.equal(
        model.namedParameters().every(([, p]) => p.grad !== null),
        true,
      );
    });
    model.zeroGrad({ setToNone: true });
  }
  assert.equal(torch.memory().liveTensors, before);
  model.dispose();
});
