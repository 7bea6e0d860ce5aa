import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import type { ParamGroup } from '../torch/optim/index.js';
import { composeRunConfig } from './compose-run-config.js';
import { buildDataModule, buildModule, loadComponents, validateRunConfig } from './run-builder.js';

await loadComponents();

void test('the finetune section: defaults from conf/finetune/default.yaml, overrides reach the module and its optimizer groups', () => {
  const plain = composeRunConfig({ overrides: [] });
  assert.deepEqual(validateRunConfig(plain.config, plain.sources).finetune, {
    freezeEpochs: 0,
    backboneLrScale: 1,
    layerDecay: null,
    freezeBatchNorm: false,
    trainBatchNormWhenFrozen: false,
  });
  const run = composeRunConfig({ overrides: ['finetune.freezeEpochs=1', 'finetune.layerDecay=0.75', 'optimizer.lr=0.01'] });
  const plan = validateRunConfig(run.config, run.sources);
  const module = buildModule(plan, buildDataModule(plan));
  try {
    assert.equal(module.hparams.finetune?.freezeEpochs, 1);
    assert.equal(module.hparams.finetune?.layerDecay, 0.75);
    const { optimizer } = module.configureOptimizers({ maxEpochs: 2, stepsPerEpoch: 10 });
    const lrs = Object.fromEntries(optimizer.paramGroups.map((g) => [(g as ParamGroup & { name: string }).name, g.initialLr]));
    assert.deepEqual(Object.keys(lrs), ['head', 'group0', 'group1', 'group2', 'group3', 'group4']);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(lrs[`group${i}`]! - 0.01 * 0.75 ** (5 - i)) < 1e-15);
    optimizer.dispose();
  } finally {
    module.dispose();
  }
});

void test('a bad finetune value or key is a ConfigError with its path', () => {
  const bad = composeRunConfig({ overrides: ['finetune.layerDecay=2', 'finetune.freezeEpochs=-1'] });
  assert.throws(
    () => validateRunConfig(bad.config, bad.sources),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.issues
        .map((i) => i.path)
        .sort()
        .join() === 'finetune.freezeEpochs,finetune.layerDecay',
  );
  const unknown = composeRunConfig({ overrides: ['+finetune.unfreezeAt=3'] });
  assert.throws(() => validateRunConfig(unknown.config, unknown.sources), /finetune\.unfreezeAt/);
});

void test('freezing the backbone is refused with data-parallel training, whose reducer needs every gradient', () => {
  const ddp = composeRunConfig({ overrides: ['finetune.freezeEpochs=1', 'trainer.strategy=ddp', 'trainer.devices=2'] });
  assert.throws(
    () => validateRunConfig(ddp.config, ddp.sources),
    (e: unknown) => e instanceof ConfigError && e.issues[0]?.path === 'finetune.freezeEpochs' && /strategy=ddp/.test(e.message),
  );
  const lr = composeRunConfig({ overrides: ['finetune.layerDecay=0.8', 'trainer.strategy=ddp', 'trainer.devices=2'] });
  assert.equal(validateRunConfig(lr.config, lr.sources).finetune?.layerDecay, 0.8);
});

void test('freezeEpochs beyond trainer.maxEpochs is refused (the backbone would never train); equal trains the head alone', () => {
  const past = composeRunConfig({ overrides: ['finetune.freezeEpochs=5', 'trainer.maxEpochs=2'] });
  assert.throws(
    () => validateRunConfig(past.config, past.sources),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.issues[0]?.path === 'finetune.freezeEpochs' &&
      e.message ===
        'run plan: finetune.freezeEpochs: expected at most trainer.maxEpochs (2; equal trains the head alone), but got 5, so the backbone would never be unfrozen',
  );
  const equal = composeRunConfig({ overrides: ['finetune.freezeEpochs=2', 'trainer.maxEpochs=2'] });
  assert.doesNotThrow(() => validateRunConfig(equal.config, equal.sources));
});

void test('experiment=finetune: an image folder, the model’s pretrained weights, the head alone for an epoch, then layer decay', () => {
  const run = composeRunConfig({ overrides: ['experiment=finetune', 'data.root=/data/pets', 'model=resnet50'] });
  const plan = validateRunConfig(run.config, run.sources);
  assert.equal(plan.data.format, 'folder');
  assert.equal(plan.model.pretrained, 'resnet50.imagenet1k_v1');
  assert.deepEqual([plan.finetune?.freezeEpochs, plan.finetune?.layerDecay], [1, 0.75]);
  assert.deepEqual([plan.optimizer.lr, plan.scheduler.warmupEpochs, plan.trainer.maxEpochs], [0.001, 1, 10]);
  const overridden = composeRunConfig({ overrides: ['experiment=finetune', 'data.root=/data/pets', 'finetune.freezeEpochs=3'] });
  assert.equal(validateRunConfig(overridden.config, overridden.sources).finetune?.freezeEpochs, 3);
});
