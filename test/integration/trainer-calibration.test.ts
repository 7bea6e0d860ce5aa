/**
 * Temperature scaling at the end of fit: the Calibration callback fits a
 * temperature for the best and the last checkpoint on the val split, each
 * file carries its own through a read / write round trip, the ExportOnnx
 * callback listed after it puts the best one into the ONNX metadata and
 * labels_mapping.json, and analysis/ gets calibration.json and the
 * reliability diagram. A checkpoint without a temperature (written before
 * calibration existed) still reads and exports, without one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { Calibration, collectLogits } from '../../src/analysis/calibration-callback.js';
import { calibrate } from '../../src/analysis/calibration.js';
import { readOnnxModel } from '../../src/export/onnx/read-onnx-model.js';
import { ClassificationModule } from '../../src/models/classification-module.js';
import { resnet18 } from '../../src/models/resnet.js';
import * as torch from '../../src/torch/index.js';
import { Callback } from '../../src/training/callback.js';
import { ExportOnnx } from '../../src/training/callbacks/export-onnx.js';
import { ModelCheckpoint } from '../../src/training/callbacks/model-checkpoint.js';
import { readCheckpoint, writeCheckpoint } from '../../src/training/checkpoint/checkpoint-io.js';
import { disposeCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { exportCheckpoint, moduleFromCheckpoint } from '../../src/training/export-checkpoint.js';
import { Trainer } from '../../src/training/trainer.js';
import { colourDataModule, makeColourFolder } from './trainer-fixtures.js';

void test('Calibration stores a temperature per checkpoint; export and labels_mapping.json carry the best one', async (t) => {
  const root = await makeColourFolder(4);
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  torch.manualSeed(0);
  const module = new ClassificationModule(resnet18({ numClasses: 3, stem: 'small' }), {
    numClasses: 3,
    classNames: ['blue', 'green', 'red'],
    optimizer: { lr: 0.01 },
  });
  const calibration = new Calibration();
  const dm = colourDataModule(root);
  await new Trainer({
    maxEpochs: 2,
    seed: 3,
    numThreads: 2,
    defaultRootDir: dir,
    enableProgressBar: false,
    enableModelSummary: false,
    logger: false,
    callbacks: [new ModelCheckpoint({ monitor: 'val/loss', saveTopK: 1 }), calibration, new ExportOnnx()],
  }).fit(module, dm);
  module.dispose();

  const checkpoints = path.join(dir, 'checkpoints');
  const files = [...calibration.results.keys()];
  assert.ok(files.includes(path.join(checkpoints, 'last.ckpt')) && files.length === 2, `calibrated ${files.join(', ')}`);
  for (const file of files) {
    const checkpoint = readCheckpoint(file);
    try {
      const stored = checkpoint.calibration!;
      assert.deepEqual(stored, calibration.results.get(file), `${file} keeps its temperature through the file`);
      // The temperature is the one the val logits of that file's own weights give.
      const { module: rebuilt } = moduleFromCheckpoint(checkpoint);
      const { logits, labels } = await collectLogits(rebuilt, dm.valLoader());
      assert.equal(stored.samples, labels.shape[0]);
      assert.ok(Math.abs(calibrate(logits, labels).temperature - stored.temperature) < 1e-9);
      assert.ok(stored.nll.after <= stored.nll.before + 1e-12);
      torch.dispose([logits, labels]);
      rebuilt.dispose();
    } finally {
      disposeCheckpoint(checkpoint);
    }
  }

  const best = files.find((f) => !f.endsWith('last.ckpt'))!;
  const temperature = calibration.results.get(best)!.temperature;
  const onnx = path.join(dir, 'export', 'model.onnx');
  assert.equal(readOnnxModel(onnx, 'test').metadata.temperature, temperature);
  const mapping = JSON.parse(readFileSync(path.join(dir, 'export', 'labels_mapping.json'), 'utf8')) as { temperature?: number };
  assert.equal(mapping.temperature, temperature);

  const record = JSON.parse(readFileSync(path.join(dir, 'analysis', 'calibration.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(record.temperature, temperature);
  assert.equal(record.split, 'val');
  assert.equal(record.checkpoint, path.relative(dir, best));
  const png = await sharp(path.join(dir, 'analysis', 'reliability.png')).metadata();
  assert.equal(png.format, 'png');

  // A checkpoint from before calibration: no key at all. It reads, and exports without a temperature.
  const old = readCheckpoint(best);
  delete old.calibration;
  const oldFile = path.join(root, 'old.ckpt');
  writeCheckpoint(old, oldFile);
  disposeCheckpoint(old);
  assert.equal(readCheckpoint(oldFile).calibration, undefined);
  await exportCheckpoint(oldFile, { out: path.join(root, 'old', 'model.onnx') });
  assert.equal(readOnnxModel(path.join(root, 'old', 'model.onnx'), 'test').metadata.temperature, undefined);
});

/** Fits a ResNet18 one epoch with `calibration`; the checkpoints' inodes as training ended (before fit end) and after. */
async function fitOneFile(t: { after: (fn: () => Promise<void>) => void }, makeCalibration: (last: string) => Calibration) {
  const root = await makeColourFolder(4);
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  const best = path.join(dir, 'checkpoints', 'newest.ckpt');
  const last = path.join(dir, 'checkpoints', 'last.ckpt');
  const calibration = makeCalibration(last);
  let inodeAtTrainEnd = -1;
  const watcher = new (class extends Callback {
    override onTrainEnd(): void {
      inodeAtTrainEnd = statSync(last).ino;
    }
  })();
  torch.manualSeed(0);
  const module = new ClassificationModule(resnet18({ numClasses: 3, stem: 'small' }), { numClasses: 3, optimizer: { lr: 0.01 } });
  const printed: string[] = [];
  const trainer = new Trainer({
    maxEpochs: 1,
    seed: 3,
    numThreads: 2,
    defaultRootDir: dir,
    enableProgressBar: false,
    enableModelSummary: false,
    logger: false,
    callbacks: [new ModelCheckpoint({ saveTopK: 1, filename: 'newest' }), calibration, watcher],
  });
  trainer.setPrinter((m) => printed.push(m));
  await trainer.fit(module, colourDataModule(root));
  module.dispose();
  assert.equal(printed.filter((m) => m.startsWith('Calibration: temperature')).length, 2, printed.join('\n'));
  return { best, last, inodeAtTrainEnd, calibration };
}

void test('the final checkpoint is written once, with its temperature: fit end reads and rewrites nothing', async (t) => {
  const { best, last, inodeAtTrainEnd, calibration } = await fitOneFile(t, () => new Calibration());
  assert.deepEqual([...calibration.results.keys()], [best, last]);
  assert.equal(statSync(last).ino, inodeAtTrainEnd);
  assert.equal(statSync(best).ino, inodeAtTrainEnd);
  const checkpoint = readCheckpoint(last);
  try {
    assert.deepEqual(checkpoint.calibration, calibration.results.get(last));
    assert.ok(checkpoint.calibration!.temperature > 0);
  } finally {
    disposeCheckpoint(checkpoint);
  }
  assert.ok(existsSync(path.join(path.dirname(path.dirname(last)), 'analysis', 'calibration.json')));
});

void test('a file calibrated at fit end is rewritten once and its other names are linked to the result', async (t) => {
  // last.ckpt named by its path: not calibrated at its save, so fit end rewrites best and relinks last.ckpt to it.
  const { best, last, inodeAtTrainEnd, calibration } = await fitOneFile(t, (file) => new Calibration({ weights: ['best', file] }));
  assert.notEqual(statSync(best).ino, inodeAtTrainEnd);
  assert.equal(statSync(last).ino, statSync(best).ino);
  assert.equal(statSync(best).nlink, 2);
  const checkpoint = readCheckpoint(last);
  try {
    assert.deepEqual(checkpoint.calibration, calibration.results.get(best));
  } finally {
    disposeCheckpoint(checkpoint);
  }
});
