import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { BatchNorm2d, Conv2d, Flatten, Linear, Sequential } from '../torch/nn/index.js';
import type { Module } from '../torch/nn/index.js';
import type { LRScheduler, ParamGroup } from '../torch/optim/index.js';
import { ClassificationModule } from './classification-module.js';
import type { ClassificationOptionsInput } from './classification-options.js';
import { ResNet } from './resnet.js';
import { BasicBlock } from './resnet-blocks.js';

torch.setNumThreads(1);

/** A ResNet with one block per stage: the smallest model with a layout (stem, four stages, head). */
function tinyResNet(): ResNet {
  torch.manualSeed(0);
  return new ResNet({ block: BasicBlock, layers: [1, 1, 1, 1], name: 'resnet10' }, { numClasses: 3, stem: 'small' });
}

function moduleWith(finetune: ClassificationOptionsInput['finetune'], backbone: Module = tinyResNet()): ClassificationModule {
  return new ClassificationModule(backbone, {
    numClasses: 3,
    optimizer: { name: 'adamw', lr: 0.1, weightDecay: 0.01 },
    scheduler: { name: 'none' },
    finetune,
  });
}

const nameOf = (g: ParamGroup): unknown => (g as ParamGroup & { name?: unknown }).name;

/** The group index the ResNet layout gives a parameter name, spelled out here (stem, layer1-4, head). */
function expectedGroup(name: string): string {
  if (name.startsWith('fc.')) return 'head';
  const stage = /^layer(\d)\./.exec(name);
  return `group${stage === null ? 0 : stage[1]}`;
}

test('layer decay: group i of n gets lr × backboneLrScale × d^(n − i), the head lr; each group split by weight decay', () => {
  const module = moduleWith({ layerDecay: 0.5, backboneLrScale: 0.8 });
  const { optimizer } = module.configureOptimizers({ maxEpochs: 2 });
  const groups = optimizer.paramGroups;
  const n = 5; // stem + four stages
  const lrOf: Record<string, number> = { head: 0.1 };
  for (let i = 0; i < n; i++) lrOf[`group${i}`] = 0.1 * 0.8 * 0.5 ** (n - i);
  assert.equal(nameOf(groups[0]), 'head', 'the head first: the run-level lr is the first group');
  for (const g of groups) {
    assert.equal(g.lr, lrOf[nameOf(g) as string], String(nameOf(g)));
    const { weightDecay } = g as ParamGroup & { weightDecay: number };
    assert.ok(g.params.every((p) => (p.ndim > 1 ? weightDecay === 0.01 : weightDecay === 0)));
  }
  assert.deepEqual([...new Set(groups.map(nameOf))], ['head', 'group0', 'group1', 'group2', 'group3', 'group4']);
  // Every parameter is in exactly one group, the one its name belongs to.
  const groupOfParam = new Map<Tensor, unknown>();
  for (const g of groups) for (const p of g.params) groupOfParam.set(p, nameOf(g));
  const named = module.backbone.namedParameters();
  assert.equal(groupOfParam.size, named.length);
  for (const [name, p] of named) assert.equal(groupOfParam.get(p), expectedGroup(name), name);
  optimizer.dispose();
  module.dispose();
});

test('per-group lrs compose with the warmup-cosine schedule: every group follows the schedule from its own base lr to its own floor', () => {
  const module = new ClassificationModule(tinyResNet(), {
    numClasses: 3,
    optimizer: { lr: 0.1 },
    scheduler: { name: 'warmup_cosine', warmupEpochs: 2, etaMinFactor: 0.1, interval: 'epoch' },
    finetune: { layerDecay: 0.75 },
  });
  const { optimizer, scheduler } = module.configureOptimizers({ maxEpochs: 6 });
  const base = optimizer.paramGroups.map((g) => g.initialLr!);
  optimizer.paramGroups.forEach((g, i) => {
    const index = nameOf(g) === 'head' ? 5 : Number(String(nameOf(g)).slice('group'.length));
    assert.ok(Math.abs(base[i] - 0.1 * 0.75 ** (5 - index)) < 1e-15, String(nameOf(g)));
  });
  // Down to 0.1 × each group's own lr at the end: the stem (0.75^5 ≈ 0.24) never rises toward the head's floor.
  for (let epoch = 0; epoch < 6; epoch++) {
    optimizer.step();
    (scheduler as LRScheduler).step();
    const factor = optimizer.paramGroups[0].lr / base[0];
    if (epoch === 0) assert.ok(factor > 0.4 && factor < 0.6, `warming up: ${factor}`);
    optimizer.paramGroups.forEach((g, i) => assert.ok(Math.abs(g.lr / base[i] - factor) < 1e-12, `${String(nameOf(g))} at ${epoch}`));
  }
  assert.ok(Math.abs(optimizer.paramGroups[0].lr / base[0] - 0.1) < 1e-12, 'the end of the schedule: etaMinFactor');
  optimizer.dispose();
  module.dispose();
});

test('the default options keep one lr for every parameter (the groups of a run without finetune)', () => {
  const module = moduleWith(undefined);
  const { optimizer } = module.configureOptimizers({ maxEpochs: 1 });
  assert.equal(optimizer.paramGroups.length, 2);
  assert.ok(optimizer.paramGroups.every((g) => g.lr === 0.1 && nameOf(g) === undefined));
  optimizer.dispose();
  module.dispose();
});

test('a model without a layout is a ConfigError naming it; frozen BatchNorm alone needs no layout', () => {
  const plain = (): Sequential => new Sequential(new Conv2d(3, 4, 3), new BatchNorm2d(4), new Flatten(), new Linear(4, 3));
  for (const finetune of [{ freezeEpochs: 1 }, { layerDecay: 0.7 }, { backboneLrScale: 0.1 }]) {
    const backbone = plain();
    assert.throws(
      () => moduleWith(finetune, backbone),
      (e: unknown) =>
        e instanceof ConfigError &&
        /^finetune: expected a model that declares its head and layer groups .*, but got Sequential without one$/.test(e.message),
    );
    backbone.dispose();
  }
  const module = moduleWith({ freezeBatchNorm: true }, plain());
  module.train();
  assert.equal([...module.backbone.modules()].find((m) => m instanceof BatchNorm2d)!.training, false);
  module.dispose();
});

const batchNorms = (m: Module): [string, Module][] => [...m.namedModules()].filter(([, x]) => x instanceof BatchNorm2d);

test('freezeEpochs: the backbone is frozen (no grad, BatchNorm in eval) before epoch N, the head trains; unfrozen from epoch N', () => {
  const module = moduleWith({ freezeEpochs: 2 });
  const stem = module.backbone.namedParameters().find(([n]) => n === 'conv1.weight')![1];
  const userFrozen = module.backbone.namedParameters().find(([n]) => n === 'layer4.0.conv2.weight')![1];
  userFrozen.requiresGrad = false; // frozen by the user: stays frozen after unfreezing, out of the optimizer
  for (const epoch of [0, 1]) {
    module.train();
    module.onTrainEpochStart({ currentEpoch: epoch });
    assert.equal(module.finetuning.backboneFrozen, true);
    for (const [name, p] of module.backbone.namedParameters()) assert.equal(p.requiresGrad, name.startsWith('fc.'), name);
    for (const [name, bn] of batchNorms(module.backbone)) assert.equal(bn.training, false, name);
    assert.equal(module.training, true);
  }
  // The optimizer holds the frozen parameters from the start, not the user's.
  const { optimizer } = module.configureOptimizers({ maxEpochs: 3 });
  const held = new Set(optimizer.paramGroups.flatMap((g) => g.params));
  assert.ok(held.has(stem) && !held.has(userFrozen));
  // Validation switches to eval and back: train() keeps the frozen BatchNorm layers in eval.
  module.eval();
  module.train();
  assert.ok(batchNorms(module.backbone).every(([, bn]) => !bn.training));
  module.onTrainEpochStart({ currentEpoch: 2 });
  assert.equal(module.finetuning.backboneFrozen, false);
  for (const [name, p] of module.backbone.namedParameters()) assert.equal(p.requiresGrad, p !== userFrozen, name);
  // The loop's train() came before the hook: unfreezing puts the BatchNorm layers back in training mode itself.
  assert.ok(batchNorms(module.backbone).every(([, bn]) => bn.training));
  module.eval();
  module.train();
  assert.ok(batchNorms(module.backbone).every(([, bn]) => bn.training));
  optimizer.dispose();
  module.dispose();
});

test('trainBatchNormWhenFrozen keeps the backbone BatchNorm layers training while the rest is frozen', () => {
  const module = moduleWith({ freezeEpochs: 1, trainBatchNormWhenFrozen: true });
  module.train();
  module.onTrainEpochStart({ currentEpoch: 0 });
  const bnParams = new Set(batchNorms(module.backbone).flatMap(([, bn]) => bn.parameters()));
  for (const [name, p] of module.backbone.namedParameters()) assert.equal(p.requiresGrad, name.startsWith('fc.') || bnParams.has(p), name);
  assert.ok(batchNorms(module.backbone).every(([, bn]) => bn.training));
  module.dispose();
});

test('freezeBatchNorm: every BatchNorm layer stays in eval mode through train(), its affine weights still train', () => {
  const module = moduleWith({ freezeBatchNorm: true });
  module.train();
  module.onTrainEpochStart({ currentEpoch: 0 });
  const bns = batchNorms(module.backbone);
  assert.equal(bns.length, 1 + 4 * 2 + 3); // stem, two per block, three downsample
  for (const [name, bn] of bns) {
    assert.equal(bn.training, false, name);
    assert.ok(bn.parameters().every((p) => p.requiresGrad));
  }
  assert.ok([...module.backbone.modules()].filter((m) => !(m instanceof BatchNorm2d)).every((m) => m.training));
  // In eval mode the running statistics are not updated by a training forward.
  const mean = bns[0][1].namedBuffers().find(([n]) => n === 'running_mean')![1];
  const before = mean.data();
  torch.tidy(() =>
    module
      .forward(torch.randn([2, 3, 8, 8]))
      .sum()
      .backward(),
  );
  assert.deepEqual(mean.data(), before);
  module.dispose();
});
