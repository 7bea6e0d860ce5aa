/**
 * The multi-label task through the Trainer, as the single-label task is
 * tested: a fit with thresholds tuned on val writes them into its
 * checkpoints, the ExportOnnx callback exports the best checkpoint as sigmoid
 * probabilities (onnxruntime answers like the module rebuilt from the
 * checkpoint) with the task and thresholds in the ONNX metadata and
 * labels_mapping.json, the Predictor reports every label over its threshold
 * with both runtimes, and a run stopped and resumed ends with bitwise the
 * weights and thresholds of the run that never stopped. The data is the
 * tiny colour folder of the Trainer tests with its labels as multi-hot rows
 * (one positive each), built in the test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ClassificationBatch } from '../../src/data/classification-batch.js';
import { Predictor } from '../../src/export/predictor.js';
import { readOnnxModel } from '../../src/export/onnx/read-onnx-model.js';
import '../../src/models/multilabel-losses.js';
import { MultiLabelModule } from '../../src/models/multilabel-module.js';
import type { MultilabelOptionsInput } from '../../src/models/multilabel-options.js';
import { resnet18 } from '../../src/models/resnet.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { AdaptiveAvgPool2d, Conv2d, Flatten, Linear, ReLU, Sequential } from '../../src/torch/nn/index.js';
import type { Module } from '../../src/torch/nn/index.js';
import { ExportOnnx } from '../../src/training/callbacks/export-onnx.js';
import { ModelCheckpoint } from '../../src/training/callbacks/model-checkpoint.js';
import { PrecisionRecallCurves } from '../../src/training/callbacks/precision-recall-curves.js';
import { disposeCheckpoint, resolveCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { moduleFromCheckpoint } from '../../src/training/export-checkpoint.js';
import { Trainer } from '../../src/training/trainer.js';
import type { TrainerInput } from '../../src/training/trainer.js';
import { colourDataModule, makeColourFolder } from './trainer-fixtures.js';

const names = ['blue', 'green', 'red'];
const quiet: TrainerInput = { enableProgressBar: false, enableModelSummary: false, logger: false, numThreads: 2, seed: 5 };

/** The colour folder's class indices as multi-hot rows: a multi-label set with one positive per image. */
class ColourLabels extends MultiLabelModule {
  static #multiHot(batch: ClassificationBatch): ClassificationBatch {
    return { ...batch, labels: torch.oneHot(batch.labels, names.length).float() };
  }
  override trainingStep(batch: ClassificationBatch, i: number): Tensor {
    return super.trainingStep(ColourLabels.#multiHot(batch), i);
  }
  override validationStep(batch: ClassificationBatch, i: number): { loss: Tensor; logits: Tensor } {
    return super.validationStep(ColourLabels.#multiHot(batch), i);
  }
}

const options: MultilabelOptionsInput = { numClasses: 3, classNames: names, thresholds: 'tuned', optimizer: { lr: 0.01 } };
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

void test('multi-label fit: tuned thresholds in the checkpoint, ONNX export of sigmoid probabilities with its thresholds, predict over thresholds', async (t) => {
  const root = await makeColourFolder(4);
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  torch.manualSeed(0);
  const module = new ColourLabels(resnet18({ numClasses: 3, stem: 'small' }), options);
  const exporter = new ExportOnnx();
  const dm = colourDataModule(root);
  const callbacks = [new ModelCheckpoint({ monitor: 'val/mAP', mode: 'max' }), exporter, new PrecisionRecallCurves()];
  await new Trainer({ ...quiet, maxEpochs: 2, defaultRootDir: dir, callbacks }).fit(module, dm);
  await dm.close();
  module.dispose();

  const { checkpoint } = resolveCheckpoint('best', path.join(dir, 'checkpoints'), () => undefined);
  assert.equal(checkpoint.hparams.module, 'multilabel');
  const rebuilt = moduleFromCheckpoint(checkpoint).module as MultiLabelModule;
  assert.ok(rebuilt instanceof MultiLabelModule);
  const thresholds = rebuilt.labelThresholds;
  assert.ok(
    thresholds.some((v) => v !== 0.5),
    `tuned thresholds: ${thresholds.join(', ')}`,
  );

  const onnxFile = path.join(dir, 'export', 'model.onnx');
  assert.equal(exporter.exported, onnxFile);
  const { metadata } = readOnnxModel(onnxFile, 'test');
  assert.equal(metadata.task, 'multilabel');
  assert.deepEqual(metadata.thresholds, thresholds);
  const mapping = JSON.parse(readFileSync(path.join(dir, 'export', 'labels_mapping.json'), 'utf8')) as {
    task: string;
    thresholds: number[];
  };
  assert.deepEqual([mapping.task, mapping.thresholds], ['multilabel', thresholds]);
  assert.ok(existsSync(path.join(dir, 'plots', 'pr_curves.png')));
  assert.equal(
    readFileSync(path.join(dir, 'plots', 'ap_per_class.csv'), 'utf8')
      .trim()
      .split('\n').length,
    4,
  );

  // onnxruntime outputs the rebuilt module's sigmoid probabilities.
  const x = torch.randn([2, 3, 10, 10]);
  const session = await ort.InferenceSession.create(onnxFile);
  const out = await session.run({ images: new ort.Tensor('float32', x.data() as Float32Array, [2, 3, 10, 10]) });
  await session.release();
  const probs = torch.noGrad(() => torch.tidy(() => rebuilt.forward(x).sigmoid().data() as Float32Array));
  assert.ok(
    maxDiff(out.logits.data as Float32Array, probs) < 1e-5,
    `ONNX vs sigmoid(module): ${maxDiff(out.logits.data as Float32Array, probs)}`,
  );

  // Both runtimes report every label at or over its threshold, with the same probabilities.
  const images = names.flatMap((n) => readdirSync(path.join(root, 'test', n)).map((f) => path.join(root, 'test', n, f)));
  const answers = [];
  for (const backend of ['onnxruntime', 'libtorch'] as const) {
    const predictor = await Predictor.open(onnxFile, { backend, precision: '32', topK: 3 });
    answers.push((await predictor.predict(images)).predictions);
    await predictor.close();
  }
  const [ortAnswers, torchAnswers] = answers;
  assert.equal(ortAnswers.length, images.length);
  ortAnswers.forEach((p, i) => {
    assert.deepEqual(
      p.labels!.map((s) => s.index).sort(),
      p.topK
        .filter((s) => s.probability >= thresholds[s.index])
        .map((s) => s.index)
        .sort(),
    );
    assert.ok(
      maxDiff(
        p.topK.map((s) => s.probability),
        torchAnswers[i].topK.map((s) => s.probability),
      ) < 1e-5,
    );
  });
  rebuilt.dispose();
  disposeCheckpoint(checkpoint);
  x.dispose();
});

function tinyBackbone(seed: number): Module {
  torch.manualSeed(seed);
  return new Sequential(new Conv2d(3, 6, 3, { padding: 1 }), new ReLU(), new AdaptiveAvgPool2d([1, 1]), new Flatten(), new Linear(6, 3));
}

function stateOf(module: MultiLabelModule): Map<string, Buffer> {
  return new Map(Object.entries(module.stateDict()).map(([name, t]) => [name, Buffer.from(t.data().buffer)]));
}

void test('multi-label resume: 1 epoch + resume + 1 epoch ends with the weights and tuned thresholds of 2 straight epochs, bitwise', async (t) => {
  const root = await makeColourFolder(4);
  t.after(() => rm(root, { recursive: true, force: true }));
  // Both runs are sized for 2 epochs (the lr schedule depends on it); the first one stops after epoch 1's 3 steps.
  const run = async (dir: string, maxSteps: number | null, ckptPath: string | null, seed: number): Promise<Map<string, Buffer>> => {
    const dm = colourDataModule(root);
    const module = new ColourLabels(tinyBackbone(seed), options);
    await new Trainer({ ...quiet, maxEpochs: 2, maxSteps, defaultRootDir: dir }).fit(module, dm, { ckptPath });
    await dm.close();
    const state = stateOf(module);
    module.dispose();
    return state;
  };
  const straight = await run(path.join(root, 'a'), null, null, 0);
  await run(path.join(root, 'b'), 3, null, 0);
  const resumed = await run(path.join(root, 'b'), null, 'last', 99); // other initial weights: all must come from the checkpoint
  assert.deepEqual([...resumed.keys()], [...straight.keys()]);
  assert.ok(straight.has('thresholds'));
  for (const [name, bytes] of straight) assert.ok(bytes.equals(resumed.get(name)!), `${name} differs`);
});
