// RegNet against torchvision 0.14: the two smallest models (regnet_y_400mf with
// squeeze-excitation, regnet_x_400mf without) by seeded init and eval logits,
// regnet_y_400mf also by train-mode logits and every gradient; every other
// RegNet by state-dict names and shapes (regnet_y_128gf included, built once
// on each side); the weights ids against torchvision's enums; configs, memory,
// bf16-mixed, pretrained loading and layer-wise LR through the layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { loadSafetensors } from '../torch/serialization/safetensors.js';
import { composeRunConfig } from '../cli/compose-run-config.js';
import { registry } from '../registry.js';
import { SGD } from '../torch/optim/index.js';
import { Precision } from '../training/precision.js';
import { groupOf } from './backbone.js';
import { ClassificationModule } from './classification-module.js';
import { pretrainedWeights } from './pretrained-weights.js';
import { regnetBlockParams } from './regnet-blocks.js';
import { RegNet, regnetFactories, regnetX400mf, regnetY400mf } from './regnet.js';
import './resnet.js'; // registers the ResNeXt / Wide ResNet configs checked below
import { checkParity, python, torchvisionMissing, torchvisionReference } from './zoo-parity.test-helper.js';
import { checkShapes } from './zoo-shapes.test-helper.js';

torch.setNumThreads(1);
const skip = torchvisionMissing;

/** torchvision's weights through `pretrained`: a 1-channel model with another head gets the stem summed over RGB and a fresh head. */
function checkPretrained(file: string): void {
  const messages: string[] = [];
  torch.manualSeed(0);
  const model = regnetX400mf({ numClasses: 5, inChannels: 1, pretrained: file, log: (m) => messages.push(m) });
  const weights = loadSafetensors(file).tensors;
  try {
    torch.tidy(() => {
      const own = model.stateDict();
      assert.ok(
        own['stem.0.weight']
          .sub(weights['stem.0.weight'].sum({ dim: 1, keepdim: true }))
          .abs()
          .max()
          .item() < 1e-6,
        'stem summed over RGB',
      );
      const block = 'trunk_output.block3.block3-2.f.b.1.running_var';
      assert.equal(own[block].sub(weights[block]).abs().max().item(), 0);
      assert.deepEqual(own['fc.weight'].shape, [5, 400]);
    });
    assert.ok(messages.some((m) => m.includes('stem.0.weight')) && messages.some((m) => m.includes('fc.weight')), messages.join('\n'));
  } finally {
    torch.dispose(weights);
    model.dispose();
  }
}

void test(
  'regnet_y_400mf matches torchvision: names, seeded init, eval and train logits, gradients (64x64, batch 4); regnet_x_400mf eval logits and pretrained loading',
  { skip },
  () => {
    const dir = torchvisionReference(['regnet_y_400mf', 'regnet_x_400mf'], { size: 64, batch: 4 });
    try {
      checkParity(() => regnetY400mf({ numClasses: 10 }), dir, 'regnet_y_400mf', { init: /\.(weight|bias)$/ });
      checkParity(() => regnetX400mf({ numClasses: 10 }), dir, 'regnet_x_400mf', { init: /\.(weight|bias)$/, train: false });
      checkPretrained(join(dir, 'regnet_x_400mf.weights.safetensors'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

void test("every other RegNet has torchvision's state-dict names and shapes", { skip }, () => {
  const others = Object.entries(regnetFactories).filter(([name]) => !name.endsWith('_400mf'));
  checkShapes(Object.fromEntries(others.map(([name, build]) => [name, () => build({ numClasses: 10 })])));
});

void test('regnetBlockParams: torchvision stages for regnet_x_400mf; invalid settings are refused', () => {
  const params = regnetBlockParams({ depth: 22, w0: 24, wa: 24.48, wm: 2.54, groupWidth: 16 });
  assert.deepEqual(params.depths, [1, 2, 7, 12]);
  assert.deepEqual(params.widths, [32, 64, 160, 400]);
  assert.deepEqual(params.groupWidths, [16, 16, 16, 16]);
  assert.throws(() => regnetBlockParams({ depth: 4, w0: 20, wa: 1, wm: 2, groupWidth: 8 }), /multiple of 8/);
});

void test('layout, modelInfo and the registry: every parameter in a group, the head last; a 1-channel stem', () => {
  torch.manualSeed(0);
  const model = registry.build<RegNet>('model', { name: 'regnet_x_400mf', numClasses: 3, inChannels: 1 });
  try {
    assert.ok(model instanceof RegNet);
    assert.deepEqual(model.modelInfo, { name: 'regnet_x_400mf', options: { numClasses: 3, inChannels: 1 } });
    const { layout } = model;
    assert.equal(layout.groups.length, 5);
    const groups = model.namedParameters().map(([name]) => groupOf(layout, name));
    assert.equal(groupOf(layout, 'stem.0.weight'), 0);
    assert.equal(groupOf(layout, 'trunk_output.block4.block4-0.f.b.0.weight'), 4);
    assert.equal(groupOf(layout, 'fc.bias'), 5);
    assert.deepEqual([...new Set(groups)], [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(
      torch.tidy(() => model.stateDict()[layout.stemWeight].shape),
      [32, 1, 3, 3],
    );
    const logits = torch.tidy(() => torch.noGrad(() => model.forward(torch.randn([2, 1, 32, 32])).shape));
    assert.deepEqual(logits, [2, 3]);
    assert.throws(() => registry.build('model', { name: 'regnet_y_400mf', stemWidth: 16 }), /stemWidth/);
  } finally {
    model.dispose();
  }
});

void test("torchvision 0.14's RegNet, ResNeXt-101 and Wide ResNet-101 weights ids, files and eval transforms", { skip }, () => {
  const source = `
import json, inspect
from torchvision.models import regnet, resnet
out = {}
for mod in (regnet, resnet):
    for name, cls in inspect.getmembers(mod, inspect.isclass):
        if not name.endswith('_Weights') or name == 'Weights':
            continue
        for w in cls:
            t = w.transforms()
            model = w.url.split('/')[-1].rsplit('-', 1)[0].replace('_swag', '').replace('_lc', '')
            out[model + '.' + w.name.lower()] = [w.url.split('/')[-1], t.resize_size[0], t.crop_size[0], str(t.interpolation).split('.')[-1].lower()]
print(json.dumps(out))`;
  const result = spawnSync(python, ['-c', source], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const reference = JSON.parse(result.stdout) as Record<string, [string, number, number, string]>;
  const ours = Object.fromEntries(
    Object.entries(pretrainedWeights)
      .filter(([, w]) => w.model.startsWith('regnet') || w.model.startsWith('resnext101') || w.model === 'wide_resnet101_2')
      .map(([id, w]) => [id, [w.file, w.transforms.resizeSize, w.transforms.cropSize, w.transforms.interpolation]]),
  );
  const expected = Object.fromEntries(
    Object.entries(reference).filter(([id]) => id in ours || /^(regnet|resnext101|wide_resnet101)/.test(id)),
  );
  assert.deepEqual(ours, expected);
  assert.equal(Object.keys(ours).length, 39);
});

void test('a forward keeps no intermediate alive (eval and train); bf16-mixed channels-last train steps stay flat', () => {
  torch.manualSeed(0);
  const model = regnetY400mf({ numClasses: 3 });
  const x = torch.randn([2, 3, 32, 32]);
  try {
    for (const training of [false, true]) {
      model.train(training);
      const before = torch.memory().liveTensors;
      const logits = model.forward(x);
      assert.equal(torch.memory().liveTensors, before + 1, `only the logits are new (training ${training})`);
      logits.dispose();
    }
    model.to({ memoryFormat: 'channelsLast' });
    const precision = new Precision('bf16-mixed', 'cpu');
    const optimizer = new SGD(model.parameters(), { lr: 0.01 });
    const live: number[] = [];
    for (let i = 0; i < 3; i++) {
      const loss = torch.tidy(() => {
        const images = x.contiguous('channelsLast');
        const out = precision.forward(() => torch.crossEntropy(model.forward(images), torch.tensor([0, 2], { dtype: 'int64' })));
        optimizer.zeroGrad();
        out.backward();
        optimizer.step();
        return out.item();
      });
      assert.ok(Number.isFinite(loss), `loss ${loss}`);
      live.push(torch.memory().liveTensors);
    }
    assert.equal(live[2], live[1], `live tensors per step: ${live.join(', ')}`);
    assert.ok(torch.tidy(() => model.stateDict()[model.layout.stemWeight].isContiguous('channelsLast')));
    optimizer.dispose();
  } finally {
    x.dispose();
    model.dispose();
  }
});

void test('conf/model has a config for every RegNet and the 101-layer ResNeXts and Wide ResNet, valid for its model', () => {
  const names = [...Object.keys(regnetFactories), 'resnext101_32x8d', 'resnext101_64x4d', 'wide_resnet101_2'];
  for (const name of names) {
    const { config } = composeRunConfig({ overrides: [`model=${name}`, 'data.numClasses=7', 'data.channels=1'] });
    const { name: chosen, ...model } = config.model as Record<string, unknown>;
    assert.equal(chosen, name);
    const options = registry.configSchema('model', name).parse(model) as Record<string, unknown>;
    assert.equal(options.numClasses, 7, name);
    assert.equal(options.inChannels, 1, name);
  }
});

void test('fine-tuning by the layout: layer decay gives the stem, each stage and the head their own learning rate', () => {
  torch.manualSeed(0);
  const module = new ClassificationModule(regnetX400mf({ numClasses: 3 }), {
    numClasses: 3,
    optimizer: { name: 'sgd', lr: 0.1 },
    scheduler: { name: 'none' },
    finetune: { layerDecay: 0.5 },
  });
  const { optimizer } = module.configureOptimizers({ maxEpochs: 1 });
  try {
    const lrOf = new Map<Tensor, number>();
    for (const g of optimizer.paramGroups) for (const p of g.params) lrOf.set(p, g.lr);
    const named = module.backbone.namedParameters();
    assert.equal(lrOf.size, named.length);
    const expected = (name: string): number => {
      const stage = /^trunk_output\.block(\d)\./.exec(name);
      if (name.startsWith('fc.')) return 0.1;
      return 0.1 * 0.5 ** (5 - (stage === null ? 0 : Number(stage[1])));
    };
    for (const [name, p] of named) assert.equal(lrOf.get(p), expected(name), name);
  } finally {
    optimizer.dispose();
    module.dispose();
  }
});
