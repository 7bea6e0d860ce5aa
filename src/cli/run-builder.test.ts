import { test } from 'node:test';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { register } from '../registry.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { makeTempDir, writeSolidImage, writeText } from '../data/test-images.test-helper.js';
import { composeRunConfig } from './compose-run-config.js';
import { buildDataModule, buildModule, fetchRunWeights, loadComponents, validateRunConfig } from './run-builder.js';

await loadComponents();

const build = (overrides: string[]) => {
  const run = composeRunConfig({ overrides });
  const options = validateRunConfig(run.config, run.sources);
  const dm = buildDataModule(options);
  return { options, dm, module: buildModule(options, dm) };
};

void test('the default config: a torchvision ResNet18 on Fashion-MNIST, AdamW, warmup then cosine, smoothing 0.1, crop + flip', () => {
  const { options, dm, module } = build([]);
  try {
    assert.equal(options.model.name, 'resnet18');
    assert.equal((module.backbone as unknown as { modelInfo: { name: string } }).modelInfo.name, 'resnet18');
    const conv1 = module.backbone.namedParameters().find(([n]) => n === 'conv1.weight')![1];
    assert.deepEqual(conv1.shape, [64, 1, 7, 7], 'inChannels 1 from the data; the ImageNet stem');
    const fc = module.backbone.namedParameters().find(([n]) => n === 'fc.weight')![1];
    assert.deepEqual(fc.shape, [10, 512], 'numClasses 10 from the data');
    assert.equal(module.hparams.loss.name, 'cross_entropy');
    assert.equal(module.hparams.loss.labelSmoothing, 0.1);
    assert.equal(module.hparams.optimizer.name, 'adamw');
    assert.equal(module.hparams.scheduler.name, 'warmup_cosine');
    assert.equal(dm.options.format, 'idx');
    assert.deepEqual(dm.options.trainTransforms?.slice(0, 2), [
      { name: 'RandomCrop', size: 28, padding: 2, padIfNeeded: false, fill: 0 },
      { name: 'RandomHorizontalFlip', p: 0.5 },
    ]);
  } finally {
    module.dispose();
  }
});

void test('data.imageSize drives the crop sizes; image_folder brings the ImageNet recipe and pretrained weights', () => {
  const small = composeRunConfig({ overrides: ['data.imageSize=24'] });
  assert.equal((small.config.transforms as { train: { size: number }[] }).train[0].size, 24);
  const folder = composeRunConfig({ overrides: ['data=image_folder', 'data.root=/data/pets', 'model=resnet50'] });
  const options = validateRunConfig(folder.config, folder.sources);
  assert.deepEqual(options.model.pretrained, 'resnet50.imagenet1k_v1');
  assert.equal(options.model.inChannels, 3);
  assert.deepEqual(
    (options.transforms as { eval: { name: string; size: number }[] }).eval.slice(0, 2).map((t) => [t.name, t.size]),
    [
      ['Resize', 256],
      ['CenterCrop', 224],
    ],
  );
  assert.throws(
    () => composeRunConfig({ overrides: ['data=image_folder'] }),
    (e: Error) => e instanceof ConfigError && /data\.root: expected a value.*image_folder\.yaml:\d+/.test(e.message),
  );
});

void test('data=jsonl reads JSONL annotations with the image-folder recipe', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const rows: string[] = [];
  for (const [i, label] of ['cat', 'dog', 'cat', 'dog', 'owl', 'owl'].entries()) {
    await writeSolidImage(path.join(root, 'train', `${i}.jpg`), { color: [i * 40, 0, 255 - i * 40], width: 40, height: 36 });
    rows.push(JSON.stringify({ image: `${i}.jpg`, suffix: label }));
  }
  await writeText(path.join(root, 'train', 'annotations.jsonl'), rows.join('\n'));
  const run = composeRunConfig({
    overrides: ['data=jsonl', `data.root=${root}`, 'model.pretrained=null', 'data.imageSize=32', 'data.resizeSize=36'],
  });
  const options = validateRunConfig(run.config, run.sources);
  const dm = buildDataModule(options);
  await dm.setup('fit');
  // numClasses: null takes the annotations' labels.
  const module = buildModule(options, dm);
  try {
    assert.equal(module.hparams.numClasses, 3);
    assert.equal(dm.options.format, 'jsonl');
    assert.equal(options.model.inChannels, 3);
    assert.deepEqual(
      (options.transforms as { eval: { name: string; size: number }[] }).eval.slice(0, 2).map((e) => [e.name, e.size]),
      [
        ['Resize', 36],
        ['CenterCrop', 32],
      ],
    );
    assert.deepEqual(dm.idxToClass, ['cat', 'dog', 'owl']);
    for await (const batch of dm.valLoader().epoch(0)) {
      assert.deepEqual(batch.images.shape.slice(1), [3, 32, 32]);
      torch.dispose([batch.images, batch.labels]);
    }
  } finally {
    module.dispose();
  }
});

void test("a user's own loss registers like ours and is chosen from the config", () => {
  const schema = z.strictObject({ scale: z.number().positive().default(1) });
  register({
    group: 'loss',
    name: 'scaled_cross_entropy',
    schema,
    build:
      (o: z.output<typeof schema>) =>
      (logits: Tensor, target: Tensor): Tensor =>
        torch.tidy(() => torch.crossEntropy(logits, target).mul(o.scale)),
  });
  const { module } = build(['loss.name=scaled_cross_entropy', '~loss.labelSmoothing', '+loss.scale=3']);
  try {
    assert.deepEqual(module.hparams.loss, { name: 'scaled_cross_entropy', useClassWeights: false, scale: 3 });
    const logits = torch.tensor([0.5, -1, 2, 0, 1, 0.25, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 1], { shape: [2, 10] });
    const labels = torch.tensor([2, 9], { dtype: 'int64' });
    const ours = module.computeLoss(logits, labels).item();
    const reference = torch.crossEntropy(logits, labels).item();
    assert.ok(Math.abs(ours - 3 * reference) < 1e-6, `${ours} vs 3 × ${reference}`);
    const bad = composeRunConfig({ overrides: ['loss.name=scaled_cross_entropy', '+loss.scale=-1'] });
    assert.throws(
      () => validateRunConfig(bad.config, bad.sources),
      (e: Error) =>
        e instanceof ConfigError &&
        e.issues
          .map((i) => i.path)
          .sort()
          .join() === 'loss.labelSmoothing,loss.scale' &&
        /conf\/loss\/cross_entropy\.yaml:3/.test(e.issues.find((i) => i.path === 'loss.labelSmoothing')!.location ?? ''),
    );
  } finally {
    module.dispose();
  }
});

void test("model.pretrained naming another model's weights, or neither a known id nor a file, is refused before any download", async () => {
  const plan = (model: string, pretrained: string) => {
    const run = composeRunConfig({
      overrides: ['data=image_folder', 'data.root=/data/pets', `model=${model}`, `model.pretrained=${pretrained}`],
    });
    return validateRunConfig(run.config, run.sources);
  };
  // A mirror nothing listens on: a download attempt would fail with another message.
  const saved = process.env.CLASSIFIER_TRAINING_WEIGHTS_URL;
  process.env.CLASSIFIER_TRAINING_WEIGHTS_URL = 'http://127.0.0.1:9/';
  try {
    await assert.rejects(
      fetchRunWeights(plan('mobilenet_v2', 'efficientnet_b0.imagenet1k_v1')),
      (e: Error) =>
        e instanceof ConfigError &&
        e.message ===
          "model.pretrained: expected one of mobilenet_v2.imagenet1k_v1, mobilenet_v2.imagenet1k_v2 or a weights file, but got 'efficientnet_b0.imagenet1k_v1', the weights of another model; model.pretrained=null trains from scratch",
    );
    await assert.rejects(
      fetchRunWeights(plan('mobilenet_v2', 'mobilenet_v2.imagenet1k_v7')),
      (e: Error) =>
        e instanceof ConfigError &&
        e.issues[0]?.path === 'model.pretrained' &&
        /but got 'mobilenet_v2\.imagenet1k_v7', neither a known id nor an existing file/.test(e.message),
    );
    const file = path.join(await makeTempDir(), 'mine.safetensors');
    await writeText(file, 'x');
    await fetchRunWeights(plan('mobilenet_v2', file));
    await rm(path.dirname(file), { recursive: true, force: true });
  } finally {
    if (saved === undefined) delete process.env.CLASSIFIER_TRAINING_WEIGHTS_URL;
    else process.env.CLASSIFIER_TRAINING_WEIGHTS_URL = saved;
  }
});

void test('known ViT weights at another model.imageSize than theirs are refused before any download, naming the key and the size', async () => {
  const plan = (overrides: string[]) => {
    const run = composeRunConfig({ overrides: ['data=image_folder', 'data.root=/data/pets', 'model=vit_b_16', ...overrides] });
    return validateRunConfig(run.config, run.sources);
  };
  // A mirror nothing listens on: a download attempt would fail with another message.
  const saved = process.env.CLASSIFIER_TRAINING_WEIGHTS_URL;
  process.env.CLASSIFIER_TRAINING_WEIGHTS_URL = 'http://127.0.0.1:9/';
  try {
    await assert.rejects(
      fetchRunWeights(plan(['model.imageSize=32', 'model.pretrained=vit_b_16.imagenet1k_v1'])),
      (e: Error) =>
        e instanceof ConfigError &&
        e.issues[0]?.path === 'model.imageSize' &&
        e.message ===
          "model.imageSize: expected 224 for the weights vit_b_16.imagenet1k_v1 (their positional embedding's size), but got 32; set model.imageSize=224 data.imageSize=224, or model.pretrained=null",
    );
    await assert.rejects(
      fetchRunWeights(plan(['model.pretrained=vit_b_16.imagenet1k_swag_e2e_v1'])),
      (e: Error) =>
        e instanceof ConfigError && /^model\.imageSize: expected 384 for the weights vit_b_16\.imagenet1k_swag_e2e_v1/.test(e.message),
    );
  } finally {
    if (saved === undefined) delete process.env.CLASSIFIER_TRAINING_WEIGHTS_URL;
    else process.env.CLASSIFIER_TRAINING_WEIGHTS_URL = saved;
  }
});

void test('a ViT takes the crop size, data.imageSize, as its model.imageSize unless told otherwise', () => {
  const plan = (overrides: string[]) => {
    const run = composeRunConfig({ overrides: ['data=image_folder', 'data.root=/data/pets', 'model.pretrained=null', ...overrides] });
    return validateRunConfig(run.config, run.sources);
  };
  assert.equal(plan(['model=vit_b_16', 'data.imageSize=32']).model.imageSize, 32);
  assert.equal(plan(['model=vit_l_32', 'data.imageSize=64']).model.imageSize, 64);
  assert.equal(plan(['model=vit_h_14', 'data.imageSize=28', 'model.imageSize=14']).model.imageSize, 14);
  assert.equal(plan(['model=vit_b_16']).model.imageSize, 224);
});
