import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSafetensors } from '../serialization/safetensors.js';
import { manualSeed } from '../runtime.js';
import { crossEntropy } from '../ops/loss.js';
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Identity,
  Linear,
  MaxPool2d,
  ReLU,
  Sequential,
} from './index.js';

const dir = new URL('../../../test/fixtures/nn/', import.meta.url).pathname;
const layers = loadSafetensors(`${dir}layers.safetensors`).tensors;
const seq = loadSafetensors(`${dir}sequential.safetensors`);

function maxDiff(actual: Tensor, expected: Tensor, name: string): number {
  assert.deepEqual(actual.shape, expected.shape, `${name}: shape`);
  return tidy(() => actual.sub(expected).abs().max().item());
}

function assertClose(actual: Tensor, expected: Tensor, name: string, tol = 1e-6): void {
  const d = maxDiff(actual, expected, name);
  assert.ok(d <= tol, `${name}: max |diff| ${d} > ${tol}`);
}

function makeNet(): Sequential {
  return new Sequential(
    new Conv2d(3, 4, 3, { padding: 1 }),
    new BatchNorm2d(4),
    new ReLU(),
    new MaxPool2d({ kernelSize: 2 }),
    new Conv2d(4, 6, 3, { stride: 2, padding: 1, bias: false, groups: 2 }),
    new BatchNorm2d(6, { momentum: null }),
    new ReLU({ inplace: true }),
    new AvgPool2d({ kernelSize: 2 }),
    new AdaptiveAvgPool2d(1),
    new Flatten(),
    new Dropout({ p: 0.5 }),
    new Linear(6, 3),
    new Identity(),
  );
}

void test('each layer gives PyTorch outputs', () => {
  const x = layers.x;
  const conv = new Conv2d(4, 6, 3, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 });
  conv.loadStateDict({ weight: layers['conv.weight'], bias: layers['conv.bias'] });
  const lin = new Linear(7, 5);
  lin.loadStateDict({ weight: layers['linear.weight'], bias: layers['linear.bias'] });
  tidy(() => {
    assertClose(conv.forward(x), layers['conv.out'], 'conv');
    assertClose(lin.forward(x), layers['linear.out'], 'linear');
    assertClose(new MaxPool2d({ kernelSize: 3, stride: 2, padding: 1 }).forward(x), layers['maxpool.out'], 'maxpool', 0);
    assertClose(new MaxPool2d({ kernelSize: 2, ceilMode: true }).forward(x), layers['maxpool_ceil.out'], 'maxpool ceil', 0);
    assertClose(new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 }).forward(x), layers['avgpool.out'], 'avgpool');
    assertClose(
      new AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }).forward(x),
      layers['avgpool_nopad.out'],
      'avgpool nopad',
    );
    assertClose(new AdaptiveAvgPool2d([2, 3]).forward(x), layers['adaptive.out'], 'adaptive');
    assertClose(new Flatten().forward(x), layers['flatten.out'], 'flatten', 0);
    assertClose(new ReLU().forward(x), layers['relu.out'], 'relu', 0);
  });
  conv.dispose();
  lin.dispose();
});

void test('a seeded Sequential matches PyTorch: init, train forward, loss, gradients, running stats, eval forward', () => {
  const t = seq.tensors;
  manualSeed(0);
  const net = makeNet();
  assert.deepEqual(Object.keys(net.stateDict()), JSON.parse(seq.metadata.state_keys));
  for (const [k, v] of Object.entries(net.stateDict())) assertClose(v, t[`init.${k}`], `init ${k}`, 0);

  net.train();
  tidy(() => {
    manualSeed(7);
    const out = net.forward(t.x);
    const loss = crossEntropy(out, t.y);
    loss.backward();
    assertClose(out, t['train.out'], 'train out', 1e-5);
    assertClose(loss, t['train.loss'], 'loss', 1e-5);
    for (const [k, p] of net.namedParameters()) assertClose(p.grad!, t[`grad.${k}`], `grad ${k}`, 1e-5);
    manualSeed(8);
    net.forward(t.x.mul(0.5).add(1));
  });
  for (const [k, v] of Object.entries(net.stateDict())) {
    if (!k.includes('running') && !k.includes('num_batches')) continue;
    assert.equal(v.dtype, t[`after.${k}`].dtype, k);
    assertClose(v.double(), t[`after.${k}`].double(), `after ${k}`, 1e-6);
  }
  net.eval();
  tidy(() => assertClose(net.forward(t.x), t['eval.out'], 'eval out', 1e-5));
  net.dispose();
});

void test('BatchNorm2d refuses one value per channel in training and non-4-D input', () => {
  const bn = new BatchNorm2d(3);
  tidy(() => {
    assert.throws(
      () => bn.forward(layers.x.slice(0, 0, 1).slice(1, 0, 3).slice(2, 0, 1).slice(3, 0, 1)),
      /more than 1 value per channel .*\+data\.dropLast=true/,
    );
    assert.throws(() => bn.forward(layers.x.flatten(2)), /expected 4-D input/);
  });
  bn.dispose();
});
