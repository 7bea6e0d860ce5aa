/**
 * EfficientNet and MobileNet end to end, as a user runs them: the CLI trains
 * efficientnet_b0 (fp32) and mobilenet_v3_small (bf16-mixed, so channels-last),
 * chosen by name from conf/model, for an epoch on generated 32x32 images;
 * `export` rebuilds each model from its checkpoint's modelInfo and passes the
 * ONNX parity check (onnxruntime against the rebuilt model); `predict` ranks
 * the test images with the .onnx file. Also the model summary's parameter
 * counts and multiply-adds against torchvision's published figures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { efficientnetB0 } from '../../src/models/efficientnet.js';
import { mobilenetV2 } from '../../src/models/mobilenet-v2.js';
import { mobilenetV3Large, mobilenetV3Small } from '../../src/models/mobilenet-v3.js';
import * as torch from '../../src/torch/index.js';
import type { Module } from '../../src/torch/nn/index.js';
import { summarize } from '../../src/training/callbacks/model-summary.js';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

let root = '';
before(async () => {
  root = await makeColourFolder(6);
});
after(() => rmSync(root, { recursive: true, force: true }));

interface Prediction {
  path: string;
  topK: { className: string; probability: number }[];
}
const jsonLines = (stdout: string): Prediction[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Prediction);

for (const [model, precision] of [
  ['efficientnet_b0', '32'],
  ['mobilenet_v3_small', 'bf16-mixed'],
]) {
  void test(`${model}: train an epoch from the CLI (precision ${precision}), export with parity, predict with the ONNX model`, () => {
    const run = join(root, model);
    const trained = cli([
      'train',
      '--config-dir',
      userConf,
      '--config-name',
      'tiny',
      `model=${model}`,
      'trainer.maxEpochs=1',
      `trainer.precision=${precision}`,
      'data.imageSize=32',
      'data.resizeSize=36',
      'optimizer.lr=0.01',
      `data.root=${root}`,
      `run.dir=${run}`,
    ]);
    assert.equal(trained.status, 0, trained.stderr);
    const ckpt = join(run, 'checkpoints', 'last.ckpt');
    const exported = cli(['export', ckpt]);
    assert.equal(exported.status, 0, exported.stderr);
    const result = JSON.parse(exported.stdout) as { out: string; parity: { maxRelDiff: number } };
    assert.equal(result.out, join(run, 'export', 'model.onnx'));
    assert.ok(result.parity.maxRelDiff <= 1e-4, JSON.stringify(result.parity));
    const predicted = cli(['predict', join(root, 'test'), '-m', result.out, '-k', '2', '--format', 'json']);
    assert.equal(predicted.status, 0, predicted.stderr);
    const predictions = jsonLines(predicted.stdout);
    assert.equal(predictions.length, 6);
    for (const p of predictions) {
      assert.equal(p.topK.length, 2);
      assert.ok(p.topK[0].probability >= p.topK[1].probability && p.topK[0].probability <= 1);
    }
  });
}

void test("the model summary gives torchvision's published parameter counts and GFLOPS (multiply-adds) at 224x224", () => {
  torch.setNumThreads(1);
  // torchvision 0.14's weights metadata (num_params) and documentation (GFLOPS, two decimals).
  const published: [() => Module, number, number | null][] = [
    [() => efficientnetB0(), 5_288_548, 0.39],
    [() => mobilenetV3Large(), 5_483_032, 0.22],
    [() => mobilenetV3Small(), 2_542_856, null],
    [() => mobilenetV2(), 3_504_872, null],
  ];
  for (const [build, params, gflops] of published) {
    const model = build();
    const summary = summarize(model, gflops === null ? null : [3, 224, 224]);
    assert.equal(summary.totalParams, params);
    if (gflops !== null) assert.equal(Math.round(summary.macs! / 1e7) / 100, gflops);
    model.dispose();
  }
});
