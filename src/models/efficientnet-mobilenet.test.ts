// EfficientNet and the MobileNets: registry names and strict schemas (and
// every conf/model file of the families accepted by its schema), layouts
// that cover every parameter, inChannels, weights ids with torchvision's
// transforms, channel rounding, BatchNorm eps and momentum per variant,
// pretrained loading through the layout, and training steps that release every
// intermediate, in fp32 and under bf16-mixed autocast with channels-last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../errors.js';
import { registry } from '../registry.js';
import * as torch from '../torch/index.js';
import { BatchNorm2d } from '../torch/nn/index.js';
import type { Module } from '../torch/nn/index.js';
import { saveSafetensors } from '../torch/serialization/safetensors.js';
import { groupOf } from './backbone.js';
import type { Backbone } from './backbone.js';
import { mbconvConfig } from './efficientnet-blocks.js';
import { EfficientNet, efficientNetArchitectures, efficientnetB0 } from './efficientnet.js';
import { makeDivisible } from './make-divisible.js';
import { mobilenetV2 } from './mobilenet-v2.js';
import { mobilenetV3Large, mobilenetV3Small } from './mobilenet-v3.js';
import { pretrainedWeights } from './pretrained-weights.js';

torch.setNumThreads(1);

const names = [
  'efficientnet_b0',
  'efficientnet_b1',
  'efficientnet_b2',
  'efficientnet_b3',
  'efficientnet_b4',
  'efficientnet_b5',
  'efficientnet_b6',
  'efficientnet_b7',
  'efficientnet_v2_l',
  'efficientnet_v2_m',
  'efficientnet_v2_s',
  'mobilenet_v2',
  'mobilenet_v3_large',
  'mobilenet_v3_small',
];

/** A two-stage EfficientNet small enough for a training step at 16x16, with stochastic depth on. */
export const tinyEfficientNet = (options: { inChannels?: number } = {}): EfficientNet =>
  new EfficientNet(
    {
      name: 'tiny_efficientnet',
      stages: [
        mbconvConfig({ block: 'fused', expandRatio: 4, kernel: 3, stride: 1, inputChannels: 8, outChannels: 8, numLayers: 2 }),
        mbconvConfig({ expandRatio: 4, kernel: 3, stride: 2, inputChannels: 8, outChannels: 16, numLayers: 2 }),
      ],
      lastChannel: 32,
      dropout: 0.2,
      batchNorm: { eps: 1e-3, momentum: 0.1 },
    },
    { numClasses: 3, stochasticDepthProb: 0.5, ...options },
  );

void test('every EfficientNet and MobileNet is registered under its torchvision name with a strict schema', () => {
  assert.deepEqual(
    registry.list('model').filter((n) => /^(efficientnet|mobilenet)/.test(n)),
    names,
  );
  const model = registry.build<Backbone>('model', 'mobilenet_v3_small', { numClasses: 3, dropout: 0.1 });
  assert.equal(model.numClasses, 3);
  assert.deepEqual(model.modelInfo?.options, {
    numClasses: 3,
    dropout: 0.1,
    widthMult: 1,
    reducedTail: false,
    dilated: false,
    inChannels: 3,
  });
  model.dispose();
  assert.throws(
    () => registry.build('model', 'efficientnet_b0', { numClasses: 3, stochasticDepthProb: 2, widthMult: 2 }),
    (e: Error) => e instanceof ConfigError && /stochasticDepthProb/.test(e.message) && /widthMult/.test(e.message),
  );
  assert.throws(() => registry.build('model', 'mobilenet_v2', { reducedTail: true }), ConfigError);
});

void test("each family's conf/model file names its model and passes the model's schema", () => {
  for (const name of names) {
    const conf = parse(readFileSync(new URL(`../../conf/model/${name}.yaml`, import.meta.url), 'utf8')) as Record<string, unknown>;
    const { name: confName, ...options }: Record<string, unknown> = { ...conf, numClasses: 5, inChannels: 1 };
    assert.equal(confName, name);
    const parsed = registry.get('model', name).schema!.safeParse(options);
    assert.ok(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`);
  }
});

void test('makeDivisible rounds as torchvision _make_divisible does', () => {
  // Values from torchvision.models._utils._make_divisible.
  assert.deepEqual(
    [32 * 1.1, 16 * 1.4, 24 * 1.8, 40 * 1.1, 112 * 0.35, 1280 * 0.35, 18, 3, 13.2].map((v) => makeDivisible(v, 8)),
    [32, 24, 40, 48, 40, 448, 24, 8, 16],
  );
  assert.equal(makeDivisible(72 * 0.35, 8, 16), 24);
});

void test('layouts put every parameter in one group, from the stem to the head; inChannels sizes the stem', () => {
  const models: [Backbone & Module, number][] = [
    [efficientnetB0({ numClasses: 4, inChannels: 1 }), 9],
    [mobilenetV2({ numClasses: 4, inChannels: 1 }), 7],
    [mobilenetV3Small({ numClasses: 4, inChannels: 1 }), 7],
    [mobilenetV3Large({ numClasses: 4, inChannels: 1 }), 8],
  ];
  for (const [model, groups] of models) {
    const { layout } = model;
    assert.equal(layout.groups.length, groups, model.constructor.name);
    const state = torch.tidy(() => Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape])));
    assert.equal(state[layout.stemWeight][1], 1);
    const seen = new Set<number>();
    for (const [name] of model.namedParameters()) seen.add(groupOf(layout, name));
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      Array.from({ length: groups + 1 }, (_, i) => i),
    );
    assert.equal(groupOf(layout, model.namedParameters().at(-1)![0]), groups, 'the last Linear is the head');
    assert.equal(groupOf(layout, layout.stemWeight), 0);
    model.dispose();
  }
});

void test("weights ids carry torchvision's file names and eval transforms", () => {
  const ids = Object.keys(pretrainedWeights).filter((id) => /^(efficientnet|mobilenet)/.test(id));
  assert.equal(ids.length, 17);
  const pick = (id: string) => {
    const { file, transforms } = pretrainedWeights[id];
    return [file, transforms.resizeSize, transforms.cropSize, transforms.interpolation];
  };
  assert.deepEqual(pick('efficientnet_b0.imagenet1k_v1'), ['efficientnet_b0_rwightman-3dd342df.pth', 256, 224, 'bicubic']);
  assert.deepEqual(pick('efficientnet_b1.imagenet1k_v2'), ['efficientnet_b1-c27df63c.pth', 255, 240, 'bilinear']);
  assert.deepEqual(pick('efficientnet_b7.imagenet1k_v1'), ['efficientnet_b7_lukemelas-dcc49843.pth', 600, 600, 'bicubic']);
  assert.deepEqual(pick('efficientnet_v2_s.imagenet1k_v1'), ['efficientnet_v2_s-dd5fe13b.pth', 384, 384, 'bilinear']);
  assert.deepEqual(pick('efficientnet_v2_l.imagenet1k_v1'), ['efficientnet_v2_l-59c71312.pth', 480, 480, 'bicubic']);
  assert.deepEqual(pick('mobilenet_v2.imagenet1k_v2'), ['mobilenet_v2-7ebf99e0.pth', 232, 224, 'bilinear']);
  assert.deepEqual(pick('mobilenet_v3_small.imagenet1k_v1'), ['mobilenet_v3_small-047dcff4.pth', 256, 224, 'bilinear']);
});

/** Two training steps (forward and cross-entropy under `autocast` as the Trainer's bf16-mixed runs them, backward); returns the live-tensor growth. */
function trainSteps(model: Module, autocast: boolean, memoryFormat: 'contiguous' | 'channelsLast', size: number): number {
  model.train();
  const before = torch.memory().liveTensors;
  for (let i = 0; i < 2; i++) {
    torch.tidy(() => {
      const x = torch.randn([4, 3, size, size]).contiguous(memoryFormat);
      const step = (): torch.Tensor => torch.crossEntropy(model.forward(x), torch.tensor([0n, 1n, 2n, 0n]));
      const loss = autocast ? torch.autocast(step, { device: 'cpu', dtype: 'bfloat16' }) : step();
      assert.ok(Number.isFinite(loss.item()));
      loss.backward();
      for (const p of model.parameters()) assert.ok(p.grad !== null && p.grad.dtype === 'float32');
    });
    model.zeroGrad({ setToNone: true });
  }
  return torch.memory().liveTensors - before;
}

void test('training steps release every intermediate, in fp32 and under bf16-mixed with channels-last', () => {
  torch.manualSeed(0);
  const models: [Module, number][] = [
    [tinyEfficientNet(), 16],
    [mobilenetV2({ numClasses: 3, widthMult: 0.35 }), 32],
    [mobilenetV3Small({ numClasses: 3 }), 64],
  ];
  for (const [model, size] of models) {
    assert.equal(trainSteps(model, false, 'contiguous', size), 0, `${model.constructor.name} fp32`);
    model.to({ memoryFormat: 'channelsLast' });
    assert.equal(trainSteps(model, true, 'channelsLast', size), 0, `${model.constructor.name} bf16`);
    model.dispose();
  }
});

void test('pretrained weights load through the layout: a 1-channel stem gets the RGB sum, a new last Linear stays fresh, the hidden head layer is kept', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'effnet-pretrained-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  torch.manualSeed(1);
  const source = mobilenetV3Small({ numClasses: 1000 });
  const file = join(dir, 'mobilenet_v3_small.safetensors');
  torch.tidy(() => saveSafetensors(source.stateDict(), file));
  const messages: string[] = [];
  const model = mobilenetV3Small({ numClasses: 5, inChannels: 1, pretrained: file, log: (m) => messages.push(m) });
  torch.tidy(() => {
    const ours = model.stateDict();
    const theirs = source.stateDict();
    const summed = theirs['features.0.0.weight'].sum({ dim: 1, keepdim: true });
    assert.equal(ours['features.0.0.weight'].sub(summed).abs().max().item(), 0);
    assert.equal(ours['features.5.block.2.fc1.weight'].sub(theirs['features.5.block.2.fc1.weight']).abs().max().item(), 0);
    assert.equal(ours['classifier.0.weight'].sub(theirs['classifier.0.weight']).abs().max().item(), 0);
    assert.deepEqual(ours['classifier.3.weight'].shape, [5, 1024]);
    assert.equal(ours['classifier.3.bias'].abs().max().item(), 0, 'initialised, not loaded');
  });
  assert.ok(messages.length > 0);
  source.dispose();
  model.dispose();
});

void test("every BatchNorm has its variant's eps and momentum (torchvision's norm_layer per model)", () => {
  // torchvision 0.14: B0-B4 nn.BatchNorm2d; B5-B7 partial(nn.BatchNorm2d, eps=0.001, momentum=0.01);
  // V2 partial(nn.BatchNorm2d, eps=1e-03); MobileNetV3 partial(nn.BatchNorm2d, eps=0.001, momentum=0.01).
  const expected: [() => Module, [number, number]][] = [
    [() => efficientnetB0({ numClasses: 2 }), [1e-5, 0.1]],
    [() => new EfficientNet(efficientNetArchitectures.efficientnet_b5, { numClasses: 2 }), [1e-3, 0.01]],
    [() => new EfficientNet(efficientNetArchitectures.efficientnet_v2_s, { numClasses: 2 }), [1e-3, 0.1]],
    [() => mobilenetV2({ numClasses: 2 }), [1e-5, 0.1]],
    [() => mobilenetV3Small({ numClasses: 2 }), [1e-3, 0.01]],
  ];
  for (const [build, [eps, momentum]] of expected) {
    const model = build();
    const norms = [...model.modules()].filter((m) => m instanceof BatchNorm2d);
    assert.ok(norms.length > 10);
    assert.deepEqual(new Set(norms.map((m) => `${m.eps}/${m.momentum}`)), new Set([`${eps}/${momentum}`]), model.constructor.name);
    model.dispose();
  }
});
