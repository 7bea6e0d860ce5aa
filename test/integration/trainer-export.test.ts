/**
 * Export at the end of fit: a registry ResNet trained with EMA is exported by
 * the ExportOnnx callback from the best checkpoint with its EMA weights; the
 * ONNX model answers like the EMA-weight module (not the raw one) under
 * onnxruntime and carries the class names; the checkpoint alone rebuilds the model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ClassificationModule } from '../../src/models/classification-module.js';
import { resnet18 } from '../../src/models/resnet.js';
import * as torch from '../../src/torch/index.js';
import { EMA } from '../../src/training/callbacks/ema.js';
import { ExportOnnx } from '../../src/training/callbacks/export-onnx.js';
import { ModelCheckpoint } from '../../src/training/callbacks/model-checkpoint.js';
import { readCheckpoint } from '../../src/training/checkpoint/checkpoint-io.js';
import { disposeCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { moduleFromCheckpoint } from '../../src/training/export-checkpoint.js';
import { Trainer } from '../../src/training/trainer.js';
import { colourDataModule, makeColourFolder } from './trainer-fixtures.js';

void test('ExportOnnx exports the best checkpoint with its EMA weights; onnxruntime answers like the EMA module', async (t) => {
  const root = await makeColourFolder(4);
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  torch.manualSeed(0);
  const module = new ClassificationModule(resnet18({ numClasses: 3, stem: 'small' }), {
    numClasses: 3,
    classNames: ['blue', 'green', 'red'],
    optimizer: { lr: 0.01 },
  });
  const exporter = new ExportOnnx();
  await new Trainer({
    maxEpochs: 2,
    seed: 3,
    numThreads: 2,
    defaultRootDir: dir,
    enableProgressBar: false,
    enableModelSummary: false,
    logger: false,
    callbacks: [new EMA({ decay: 0.5, warmup: false }), new ModelCheckpoint(), exporter],
  }).fit(module, colourDataModule(root));
  const onnxFile = path.join(dir, 'export', 'model.onnx');
  assert.equal(exporter.exported, onnxFile);
  assert.ok(existsSync(path.join(dir, 'export', 'labels_mapping.json')));
  const mapping = JSON.parse(readFileSync(path.join(dir, 'export', 'labels_mapping.json'), 'utf8')) as {
    idxToClass: Record<string, string>;
  };
  assert.deepEqual(Object.values(mapping.idxToClass), ['blue', 'green', 'red']);

  const checkpoint = readCheckpoint(path.join(dir, 'checkpoints', 'last.ckpt'));
  const withEma = moduleFromCheckpoint(checkpoint);
  const raw = moduleFromCheckpoint(checkpoint, { ignoreEma: true });
  assert.equal(withEma.usedEma, true);
  const x = torch.randn([2, 3, 10, 10]);
  const session = await ort.InferenceSession.create(onnxFile);
  const out = await session.run({ images: new ort.Tensor('float32', x.data() as Float32Array, [2, 3, 10, 10]) });
  const onnxLogits = Array.from(out.logits.data as Float32Array);
  const emaLogits = Array.from(torch.noGrad(() => torch.tidy(() => withEma.module.forward(x).data())) as Float32Array);
  const rawLogits = Array.from(torch.noGrad(() => torch.tidy(() => raw.module.forward(x).data())) as Float32Array);
  const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  // Without a monitor the best checkpoint is the newest, the same state as last.ckpt.
  assert.ok(maxDiff(onnxLogits, emaLogits) < 1e-4, `ONNX vs EMA module: ${maxDiff(onnxLogits, emaLogits)}`);
  assert.ok(maxDiff(emaLogits, rawLogits) > 1e-3, 'EMA weights differ from the trained ones');
  withEma.module.dispose();
  raw.module.dispose();
  disposeCheckpoint(checkpoint);
});
