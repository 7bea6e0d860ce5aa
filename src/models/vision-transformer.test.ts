// Vision Transformer against torchvision 0.14: vit_b_32 at image size 64
// (4 patches and the class token) for names, seeded init, eval and train
// logits (dropout and attention dropout drawn after the same seed) and
// gradients, references generated at test time; the other models' names and
// shapes (the SWAG sizes included) against
// test/fixtures/zoo/convnext-vit-shapes.json (scripts/fixtures/zoo_shapes.py);
// the registry, the layout, older weight files' MLP names, memory and a
// bf16-mixed training step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { registry } from '../registry.js';
import * as torch from '../torch/index.js';
import { Precision } from '../training/precision.js';
import { groupOf } from './backbone.js';
import { Finetuning } from './finetune.js';
import { finetuneOptionsSchema } from './finetune-options.js';
import { pretrainedWeights } from './pretrained-weights.js';
import { VisionTransformer, visionTransformerFactories, vitB16, vitB32 } from './vision-transformer.js';
import { checkParity, torchvisionMissing, torchvisionReference } from './zoo-parity.test-helper.js';

torch.setNumThreads(1);
const shapes = JSON.parse(readFileSync(new URL('../../test/fixtures/zoo/convnext-vit-shapes.json', import.meta.url), 'utf8')) as Record<
  string,
  Record<string, number[]>
>;

void test(
  'vit_b_32 matches torchvision: names, seeded init, eval and train logits with dropout, gradients',
  { skip: torchvisionMissing },
  () => {
    const spec = 'vit_b_32:{"image_size": 64, "dropout": 0.1, "attention_dropout": 0.1}';
    const dir = torchvisionReference([spec], { size: 64, batch: 2 });
    try {
      checkParity(() => vitB32({ numClasses: 10, imageSize: 64, dropout: 0.1, attentionDropout: 0.1 }), dir, 'vit_b_32', { init: /./ });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

void test("every ViT has torchvision's parameter names and shapes, at 224 and at its SWAG weights' size", () => {
  // Built once each (ViT-H alone is 632M parameters); the other size of the same model differs only in pos_embedding.
  const built: [keyof typeof visionTransformerFactories, number, number[]][] = [
    ['vit_b_16', 224, [384]],
    ['vit_b_32', 224, []],
    ['vit_l_16', 512, [224]],
    ['vit_l_32', 224, []],
    ['vit_h_14', 518, [224]],
  ];
  const spec = (name: string, size: number): string => (size === 224 ? name : `${name}:{"image_size": ${size}}`);
  for (const [name, imageSize, others] of built) {
    const model = visionTransformerFactories[name]({ imageSize });
    const own = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.shape]));
    const { patchSize, hiddenDim } = model;
    model.dispose();
    assert.deepEqual(own, shapes[spec(name, imageSize)], spec(name, imageSize));
    for (const size of others) {
      const positions = [1, (size / patchSize) ** 2 + 1, hiddenDim];
      assert.deepEqual({ ...own, 'encoder.pos_embedding': positions }, shapes[spec(name, size)], spec(name, size));
    }
  }
});

void test('every ViT is registered with validated options; known weights of another imageSize are refused', () => {
  assert.deepEqual(
    registry.list('model').filter((n) => n.startsWith('vit_')),
    ['vit_b_16', 'vit_b_32', 'vit_h_14', 'vit_l_16', 'vit_l_32'],
  );
  const model = registry.build<VisionTransformer>('model', 'vit_b_32', { numClasses: 3, inChannels: 1, imageSize: 32 });
  assert.ok(model instanceof VisionTransformer);
  assert.deepEqual(model.modelInfo, {
    name: 'vit_b_32',
    options: { numClasses: 3, inChannels: 1, imageSize: 32, dropout: 0, attentionDropout: 0 },
  });
  torch.tidy(() => {
    assert.deepEqual(model.conv_proj.weight.shape, [768, 1, 32, 32]);
    assert.deepEqual(model.encoder.pos_embedding.shape, [1, 2, 768]);
    const features = torch.noGrad(() => model.eval().forwardFeatures(torch.randn([2, 1, 32, 32])));
    assert.deepEqual(features.shape, [2, 768]);
    assert.throws(() => model.forward(torch.randn([1, 1, 64, 64])), /expected images \[N, C, 32, 32\]/);
  });
  model.dispose();
  assert.throws(
    () => registry.build('model', 'vit_b_16', { imageSize: 100, dropout: -1 }),
    (e: Error) => e instanceof ConfigError && /dropout/.test(e.message),
  );
  assert.throws(
    () => vitB32({ imageSize: 100 }),
    (e: Error) =>
      e instanceof ConfigError &&
      /imageSize \(model\.imageSize, by default data\.imageSize\) a positive multiple of the patch size 32, but got 100/.test(e.message),
  );
  assert.equal(pretrainedWeights['vit_h_14.imagenet1k_swag_e2e_v1'].transforms.cropSize, 518);
  assert.equal(pretrainedWeights['vit_h_14.imagenet1k_swag_e2e_v1'].transforms.interpolation, 'bicubic');
  assert.equal(pretrainedWeights['vit_l_16.imagenet1k_v1'].transforms.resizeSize, 242);
  assert.throws(
    () => vitB16({ pretrained: 'vit_b_16.imagenet1k_swag_e2e_v1' }),
    (e: Error) => e instanceof ConfigError && /expected imageSize 384 for the weights .*set model\.imageSize=384/.test(e.message),
  );
});

void test('the ViT layout has the embedding first, one group per encoder block, the heads last', () => {
  const model = vitB32({ numClasses: 4, imageSize: 32 });
  const { layout } = model;
  assert.equal(layout.groups.length, 13);
  assert.deepEqual(layout.groups[0], ['conv_proj', 'class_token', 'encoder.pos_embedding']);
  assert.deepEqual(layout.groups[12], ['encoder.layers.encoder_layer_11', 'encoder.ln']);
  const groups = model.namedParameters().map(([k]) => groupOf(layout, k));
  assert.deepEqual([...new Set(groups)], [...Array(14).keys()]);
  assert.equal(groupOf(layout, 'heads.head.weight'), 13);
  model.dispose();
});

void test("weights with the MLP names of torchvision before 0.13 (mlp.linear_1, mlp.linear_2) load, as torchvision's do", () => {
  const source = vitB32({ numClasses: 2, imageSize: 32 });
  const target = vitB32({ numClasses: 2, imageSize: 32 });
  torch.tidy(() => {
    const legacy = Object.fromEntries(
      Object.entries(source.stateDict()).map(([k, v]) => [k.replace('.mlp.0.', '.mlp.linear_1.').replace('.mlp.3.', '.mlp.linear_2.'), v]),
    );
    assert.ok('encoder.layers.encoder_layer_0.mlp.linear_2.bias' in legacy);
    target.loadStateDict(legacy);
    const a = target.stateDict()['encoder.layers.encoder_layer_3.mlp.3.weight'];
    const b = source.stateDict()['encoder.layers.encoder_layer_3.mlp.3.weight'];
    assert.equal(a.sub(b).abs().max().item(), 0);
  });
  source.dispose();
  target.dispose();
});

void test('ViT training steps leave no tensors behind, in fp32 and in bf16-mixed with channels-last', () => {
  const model = vitB32({ numClasses: 4, imageSize: 32, dropout: 0.1, attentionDropout: 0.1 });
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

void test("fine-tuning a ViT: timm's layer decay per encoder block, the backbone frozen and unfrozen", () => {
  const model = vitB32({ numClasses: 4, imageSize: 32 });
  const ft = new Finetuning(model, finetuneOptionsSchema.parse({ layerDecay: 0.5, freezeEpochs: 1 }));
  const groups = ft.layerGroups()!;
  assert.deepEqual(
    groups.map((g) => [g.name, g.params.length, g.lrScale]),
    [
      ['head', 2, 1],
      ['group0', 4, 0.5 ** 13],
      ...Array.from({ length: 11 }, (_, i) => [`group${i + 1}`, 12, 0.5 ** (12 - i)]),
      ['group12', 14, 0.5],
    ],
  );
  model.train();
  ft.startEpoch(0);
  assert.deepEqual(
    model.namedParameters().flatMap(([k, p]) => (p.requiresGrad ? [k] : [])),
    ['heads.head.weight', 'heads.head.bias'],
  );
  ft.startEpoch(1);
  assert.ok(model.parameters().every((p) => p.requiresGrad));
  model.dispose();
});
