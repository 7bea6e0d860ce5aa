import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError } from '../../errors.js';
import { memory, tidy } from '../memory.js';
import { ones, randn, zeros } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { BatchNorm2d, Conv2d, Linear, Module, ReLU, Sequential } from './index.js';

class Block extends Module {
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare downsample: Sequential | null;
  constructor() {
    super();
    this.registerModule('conv1', new Conv2d(2, 3, 1, { bias: false }));
    this.registerModule('bn1', new BatchNorm2d(3));
    this.registerModule('relu', new ReLU());
    this.registerModule('downsample', new Sequential(new Conv2d(2, 3, 1, { bias: false }), new BatchNorm2d(3)));
  }
  forward(x: Tensor): Tensor {
    return this.bn1.forward(this.conv1.forward(x)).add(this.downsample!.forward(x));
  }
}

class Net extends Module {
  declare fc: Linear;
  constructor() {
    super();
    this.registerModule('layer1', new Sequential(new Block()));
    this.registerModule('fc', new Linear(3, 2));
  }
  forward(x: Tensor): Tensor {
    const layer1 = [...this.children()][0];
    return this.fc.forward(layer1.forward(x).mean({ dim: [2, 3] }));
  }
}

const expectedKeys = [
  'layer1.0.conv1.weight',
  'layer1.0.bn1.weight',
  'layer1.0.bn1.bias',
  'layer1.0.bn1.running_mean',
  'layer1.0.bn1.running_var',
  'layer1.0.bn1.num_batches_tracked',
  'layer1.0.downsample.0.weight',
  'layer1.0.downsample.1.weight',
  'layer1.0.downsample.1.bias',
  'layer1.0.downsample.1.running_mean',
  'layer1.0.downsample.1.running_var',
  'layer1.0.downsample.1.num_batches_tracked',
  'fc.weight',
  'fc.bias',
];

void test('names follow PyTorch: stateDict, namedParameters, namedBuffers, namedModules', () => {
  const net = new Net();
  tidy(() => assert.deepEqual(Object.keys(net.stateDict()), expectedKeys));
  assert.deepEqual(
    net.namedParameters().map(([n]) => n),
    expectedKeys.filter((k) => k.endsWith('weight') || k.endsWith('bias')),
  );
  assert.deepEqual(
    net.namedBuffers().map(([n]) => n),
    expectedKeys.filter((k) => k.includes('running') || k.includes('num_batches')),
  );
  assert.deepEqual(
    [...net.namedModules()].map(([n]) => n),
    [
      '',
      'layer1',
      'layer1.0',
      'layer1.0.conv1',
      'layer1.0.bn1',
      'layer1.0.relu',
      'layer1.0.downsample',
      'layer1.0.downsample.0',
      'layer1.0.downsample.1',
      'fc',
    ],
  );
  assert.equal([...net.children()].length, 2);
  assert.equal(net.parameters().length, 8);
  net.dispose();
});

void test('parameters survive tidy scopes and dispose() frees them', () => {
  const before = memory().liveTensors;
  const net = tidy(() => new Net());
  assert.ok(net.parameters().every((p) => !p.isDisposed && p.requiresGrad && p.isLeaf));
  tidy(() =>
    net
      .forward(randn([2, 2, 4, 4]))
      .sum()
      .backward(),
  );
  net.zeroGrad({ setToNone: true });
  net.dispose();
  assert.ok(net.parameters().every((p) => p.isDisposed));
  assert.equal(memory().liveTensors, before);
});

void test('loadStateDict copies in place and, strict, names missing, unexpected and mis-shaped keys', () => {
  const net = new Net();
  const weight = net.fc.weight;
  tidy(() => {
    const record = net.stateDict();
    record['fc.weight'] = ones([2, 3]);
    net.loadStateDict(record);
    assert.equal(net.fc.weight, weight);
    assert.equal(net.fc.weight.sum().item(), 6);
    assert.ok(net.fc.weight.requiresGrad && net.fc.weight.isLeaf);

    const bad = net.stateDict();
    delete bad['layer1.0.bn1.running_var'];
    bad['head.weight'] = zeros([1]);
    bad['fc.bias'] = zeros([5]);
    assert.throws(
      () => net.loadStateDict(bad),
      (e: Error) =>
        e instanceof ShapeError &&
        /missing keys: layer1\.0\.bn1\.running_var/.test(e.message) &&
        /unexpected keys: head\.weight/.test(e.message) &&
        /fc\.bias \(model \[2\], record \[5\]\)/.test(e.message),
    );
    assert.throws(() => net.loadStateDict(bad, { strict: false }), /mis-shaped keys: fc\.bias/);

    bad['fc.bias'] = zeros([2]);
    bad['fc.weight'] = zeros([2, 3]);
    const result = net.loadStateDict(bad, { strict: false });
    assert.deepEqual(result, { missingKeys: ['layer1.0.bn1.running_var'], unexpectedKeys: ['head.weight'] });
    assert.equal(net.fc.weight.abs().sum().item(), 0);
  });
  net.dispose();
});

void test('train/eval reach every submodule; apply visits children first', () => {
  const net = new Net();
  net.eval();
  assert.ok([...net.modules()].every((m) => !m.training));
  net.train();
  assert.ok([...net.modules()].every((m) => m.training));
  const order: string[] = [];
  net.apply((m) => order.push(m.constructor.name));
  assert.deepEqual(order.slice(-3), ['Sequential', 'Linear', 'Net']);
  net.dispose();
});

void test('to({ dtype }) keeps parameter identity and leaves num_batches_tracked int64', () => {
  const net = new Net();
  const params = net.parameters();
  tidy(() =>
    net
      .forward(randn([2, 2, 4, 4]))
      .sum()
      .backward(),
  );
  net.to({ dtype: 'float64' });
  assert.deepEqual(net.parameters(), params);
  assert.ok(params.every((p) => p.dtype === 'float64' && p.requiresGrad && p.isLeaf));
  assert.equal(
    tidy(() => params[0].grad!.dtype),
    'float64',
  );
  const buffers = Object.fromEntries(net.namedBuffers());
  assert.equal(buffers['layer1.0.bn1.num_batches_tracked'].dtype, 'int64');
  assert.equal(buffers['layer1.0.bn1.running_mean'].dtype, 'float64');
  tidy(() => assert.equal(net.forward(randn([2, 2, 4, 4], { dtype: 'float64' })).dtype, 'float64'));
  net.to({ memoryFormat: 'channelsLast' });
  assert.ok(
    net
      .namedParameters()
      .find(([n]) => n === 'layer1.0.conv1.weight')![1]
      .isContiguous('channelsLast'),
  );
  net.dispose();
});

void test('assigning an attribute re-registers it; names with dots are refused', () => {
  const net = new Net();
  const old = net.fc;
  net.fc = new Linear(3, 7);
  assert.deepEqual(
    tidy(() => net.stateDict()['fc.weight'].shape),
    [7, 3],
  );
  old.dispose();
  assert.throws(() => net.registerModule('a.b', new ReLU()), /without dots/);
  assert.throws(() => net.registerModule('forward', new ReLU()), /not already an attribute/);
  net.dispose();
});

void test('zeroGrad zeroes gradients in place by default', () => {
  const net = new Net();
  tidy(() =>
    net
      .forward(randn([2, 2, 4, 4]))
      .sum()
      .backward(),
  );
  net.zeroGrad();
  tidy(() => assert.ok(net.parameters().every((p) => p.grad !== null && p.grad.abs().sum().item() === 0)));
  net.dispose();
});
