import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { registry } from '../registry.js';
import * as torch from '../torch/index.js';
import { BasicBlock } from './resnet-blocks.js';
import { ResNet, resnet18, resnet50 } from './resnet.js';

void test('every ResNet is registered as a model with validated options', () => {
  assert.deepEqual(
    registry.list('model').filter((n) => /res/.test(n)),
    [
      'resnet101',
      'resnet152',
      'resnet18',
      'resnet34',
      'resnet50',
      'resnext101_32x8d',
      'resnext101_64x4d',
      'resnext50_32x4d',
      'wide_resnet101_2',
      'wide_resnet50_2',
    ],
  );
  const model = registry.build<ResNet>('model', 'resnet18', { numClasses: 3, stem: 'small' });
  assert.ok(model instanceof ResNet);
  assert.deepEqual(model.fc.weight.shape, [3, 512]);
  model.dispose();
  assert.throws(
    () => registry.build('model', 'resnet18', { numClasses: 0, stem: 'tiny' }),
    (e: Error) => e instanceof ConfigError && /numClasses/.test(e.message) && /stem/.test(e.message),
  );
  assert.throws(() => registry.build('model', 'resnet19'), /resnet18/);
});

void test("stem 'small' and inChannels keep torchvision's names and change only conv1 and the pooling", () => {
  const imagenet = resnet18({ numClasses: 10 });
  const small = resnet18({ numClasses: 10, stem: 'small', inChannels: 1 });
  torch.tidy(() => {
    assert.deepEqual(Object.keys(small.stateDict()), Object.keys(imagenet.stateDict()));
    assert.deepEqual(small.conv1.weight.shape, [64, 1, 3, 3]);
    const y = torch.noGrad(() => small.eval().forward(torch.randn([2, 1, 32, 32])));
    assert.deepEqual(y.shape, [2, 10]);
    const features = torch.noGrad(() => small.forwardFeatures(torch.randn([1, 1, 32, 32])));
    assert.deepEqual(features.shape, [1, 512]);
  });
  imagenet.dispose();
  small.dispose();
});

void test('zeroInitResidual zeroes the last BN weight of each block; BN starts at 1 and 0 otherwise', () => {
  const a = resnet18({ zeroInitResidual: true, numClasses: 2 });
  const b = resnet50({ zeroInitResidual: true, numClasses: 2 });
  torch.tidy(() => {
    for (const [name, t] of a.namedParameters()) {
      if (/layer\d\.\d\.bn2\.weight$/.test(name)) assert.equal(t.abs().sum().item(), 0, name);
      else if (/bn1\.weight$/.test(name)) assert.equal(t.sub(1).abs().sum().item(), 0, name);
      else if (/bn\d\.bias$/.test(name)) assert.equal(t.abs().sum().item(), 0, name);
    }
    for (const [name, t] of b.namedParameters()) {
      if (/bn3\.weight$/.test(name)) assert.equal(t.abs().sum().item(), 0, name);
      if (/layer\d\.\d\.bn2\.weight$/.test(name)) assert.equal(t.sub(1).abs().sum().item(), 0, name);
    }
  });
  a.dispose();
  b.dispose();
  assert.throws(() => new BasicBlock({ inplanes: 64, planes: 64, groups: 2 }), /groups 1 and baseWidth 64/);
});

void test('a training step through a ResNet leaves no tensors behind', () => {
  const model = resnet18({ numClasses: 4, stem: 'small' });
  const before = torch.memory().liveTensors;
  for (let i = 0; i < 2; i++) {
    torch.tidy(() => {
      const loss = torch.crossEntropy(model.forward(torch.randn([2, 3, 16, 16])), torch.tensor([0n, 3n]));
      loss.backward();
    });
    model.zeroGrad({ setToNone: true });
  }
  assert.equal(torch.memory().liveTensors, before);
  model.dispose();
});
