import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from '../errors.js';
import { registry } from '../registry.js';
import * as torch from '../torch/index.js';
import { Precision } from '../training/precision.js';
import { groupOf } from './backbone.js';
import { pretrainedWeights } from './pretrained-weights.js';
import { SwinTransformer, swinOptionsSchema, swinT, swinV2T } from './swin.js';
import { shiftedWindowMask, windowGeometry } from './swin-attention.js';
import { patchMergingPad } from './swin-blocks.js';

torch.setNumThreads(1);

void test('every Swin is registered as a model with validated options, and its modelInfo rebuilds it', () => {
  assert.deepEqual(
    registry.list('model').filter((n) => n.startsWith('swin')),
    ['swin_b', 'swin_s', 'swin_t', 'swin_v2_b', 'swin_v2_s', 'swin_v2_t'],
  );
  const model = registry.build<SwinTransformer>('model', 'swin_v2_t', { numClasses: 3, inChannels: 1, stochasticDepthProb: 0.1 });
  assert.ok(model instanceof SwinTransformer);
  assert.deepEqual(model.head.weight.shape, [3, 768]);
  assert.deepEqual(model.stateDict()['features.0.0.weight'].shape, [96, 1, 4, 4]);
  assert.deepEqual(model.modelInfo, {
    name: 'swin_v2_t',
    options: { numClasses: 3, inChannels: 1, dropout: 0, attentionDropout: 0, stochasticDepthProb: 0.1 },
  });
  const rebuilt = registry.build<SwinTransformer>('model', model.modelInfo.name, model.modelInfo.options);
  assert.deepEqual(Object.keys(rebuilt.stateDict()), Object.keys(model.stateDict()));
  rebuilt.dispose();
  model.dispose();
  assert.throws(
    () => registry.build('model', 'swin_t', { numClasses: 0, windowSize: 5 }),
    (e: Error) => e instanceof ConfigError && /numClasses/.test(e.message) && /windowSize/.test(e.message),
  );
  for (const name of ['swin_t', 'swin_s', 'swin_b', 'swin_v2_t', 'swin_v2_s', 'swin_v2_b'])
    assert.equal(pretrainedWeights[`${name}.imagenet1k_v1`].transforms.interpolation, 'bicubic', name);
  assert.equal(pretrainedWeights['swin_v2_b.imagenet1k_v1'].transforms.resizeSize, 272);
});

void test('the layout puts the patch embedding first, one group per block (merging with the block after it), the head last', () => {
  const model = swinT({ numClasses: 4 });
  const { layout } = model;
  assert.equal(layout.groups.length, 1 + 12);
  assert.deepEqual(layout.groups[3], ['features.2', 'features.3.0']);
  assert.deepEqual(layout.groups.at(-1), ['features.7.1', 'norm']);
  const groups = model.namedParameters().map(([name]) => groupOf(layout, name));
  assert.deepEqual(
    groups,
    [...groups].sort((a, b) => a - b),
    'groups grow from the input toward the head',
  );
  assert.equal(groupOf(layout, 'head.weight'), 13);
  assert.equal(groupOf(layout, 'features.0.0.weight'), 0);
  model.dispose();
});

void test('window geometry and mask follow torchvision: padding, skipped shifts, -100 across regions', () => {
  assert.deepEqual(windowGeometry(8, 8, [7, 7], [3, 3]), { padH: 14, padW: 14, shift: [3, 3] });
  assert.deepEqual(windowGeometry(4, 4, [7, 7], [3, 3]), { padH: 7, padW: 7, shift: [0, 0] });
  assert.deepEqual(windowGeometry(8, 16, [8, 8], [4, 4]), { padH: 8, padW: 16, shift: [0, 4] });
  const mask = shiftedWindowMask({ padH: 4, padW: 4, shift: [1, 1] }, [2, 2]);
  // The last window holds regions 4, 5, 7, 8 (one token each): only the diagonal is 0.
  assert.deepEqual(
    [...mask.subarray(3 * 16, 4 * 16)],
    [0, -100, -100, -100, -100, 0, -100, -100, -100, -100, 0, -100, -100, -100, -100, 0],
  );
  assert.ok(
    mask.subarray(0, 16).every((v) => v === 0),
    'the first window is one region',
  );
  torch.tidy(() => {
    const x = torch.arange(0, 3 * 3, 1, { dtype: 'float32' }).view([1, 3, 3, 1]);
    assert.deepEqual(patchMergingPad(x).toArray(), [
      [
        [
          [0, 3, 1, 4],
          [2, 5, 0, 0],
        ],
        [
          [6, 0, 7, 0],
          [8, 0, 0, 0],
        ],
      ],
    ]);
  });
});

void test('a Swin training step leaves no tensors behind', () => {
  const model = swinV2T({ numClasses: 4 });
  const before = torch.memory().liveTensors;
  for (let i = 0; i < 2; i++) {
    torch.tidy(() => torch.crossEntropy(model.forward(torch.randn([2, 3, 32, 32])), torch.tensor([0n, 3n])).backward());
    model.zeroGrad({ setToNone: true });
  }
  assert.equal(torch.memory().liveTensors, before);
  model.dispose();
});

void test('swin_t trains under bf16-mixed in channels-last, its logits near fp32', () => {
  torch.manualSeed(3);
  const model = swinT({ numClasses: 4, stochasticDepthProb: 0 }).to({ memoryFormat: 'channelsLast' });
  const precision = new Precision('bf16-mixed', 'cpu');
  torch.tidy(() => {
    const x = torch.randn([2, 3, 32, 32]).contiguous('channelsLast');
    const reference = torch.noGrad(() => model.eval().forward(x));
    model.train();
    const logits = precision.forward(() => model.forward(x));
    const loss = precision.forward(() => torch.crossEntropy(logits, torch.tensor([1n, 2n])));
    precision.backward(loss);
    assert.ok(Number.isFinite(loss.item()));
    const scale = reference.abs().max().item();
    const diff = logits.float().sub(reference).abs().max().item();
    assert.ok(diff <= 0.1 * Math.max(1, scale), `bf16 logits differ from fp32 by ${diff} (scale ${scale})`);
    for (const [name, p] of model.namedParameters())
      assert.ok(p.grad !== null && p.grad.dtype === 'float32', `${name} has an fp32 gradient`);
  });
  model.dispose();
});

void test('dropout and attention dropout draw from the global generator in training and are the identity in eval', () => {
  const model = swinT({ numClasses: 3, dropout: 0.3, attentionDropout: 0.3, stochasticDepthProb: 0 });
  torch.tidy(() => {
    const x = torch.randn([1, 3, 32, 32]);
    const run = (seed: number): number[] => {
      torch.manualSeed(seed);
      return torch.noGrad(() => model.forward(x)).toArray() as number[];
    };
    model.eval();
    const evalLogits = run(1);
    assert.deepEqual(run(2), evalLogits);
    model.train();
    const trainLogits = run(1);
    assert.deepEqual(run(1), trainLogits);
    assert.notDeepEqual(trainLogits, evalLogits);
    assert.notDeepEqual(run(2), trainLogits);
  });
  model.dispose();
});

void test("each conf/model/swin_*.yaml names its model and holds only options the schema accepts, with torchvision's depth rates", () => {
  const expected = { swin_t: 0.2, swin_s: 0.3, swin_b: 0.5, swin_v2_t: 0.2, swin_v2_s: 0.3, swin_v2_b: 0.5 };
  for (const [name, rate] of Object.entries(expected)) {
    const text = readFileSync(new URL(`../../conf/model/${name}.yaml`, import.meta.url), 'utf8');
    const { name: configured, ...options } = parse(text) as Record<string, unknown>;
    assert.equal(configured, name);
    const parsed = swinOptionsSchema.parse({ ...options, numClasses: 7, inChannels: 1 });
    assert.equal(parsed.stochasticDepthProb, rate, name);
  }
});
