import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import * as torch from '../../torch/index.js';
import { Linear, Sequential } from '../../torch/nn/index.js';
import { ClassificationModule } from '../../models/classification-module.js';
import { registry } from '../../registry.js';
import { fakeTrainer, ImageRecorder } from './fake-trainer.test-helper.js';
import { parseCsv } from '../loggers/csv.js';
import { ConfusionMatrix } from './confusion-matrix.js';
import { RunReport } from './run-report.js';
import { SampleVisualization } from './sample-visualization.js';
import { TrainingHistory } from './training-history.js';
import { ConfigError } from '../../errors.js';

const CLASSES = ['cat', 'dog, big', 'bird "b"'];

/** A tiny module that has run one validation epoch; returns it with the host-side confusion counts. */
function validatedModule(): { module: ClassificationModule; expected: number[][] } {
  torch.manualSeed(3);
  const module = new ClassificationModule(new Sequential(new Linear(4, 3)), { numClasses: 3, classNames: CLASSES });
  const expected = CLASSES.map(() => [0, 0, 0]);
  for (let b = 0; b < 3; b++) {
    torch.tidy(() => {
      const images = torch.randn([8, 4]);
      const labels = torch.randint(0, 3, [8]);
      torch.noGrad(() => module.validationStep({ images, labels }, b));
      const logits = torch.noGrad(() => module.forward(images)).toArray() as number[][];
      const truth = Array.from(labels.data() as BigInt64Array, Number);
      logits.forEach((row, i) => (expected[truth[i]][row.indexOf(Math.max(...row))] += 1));
    });
  }
  module.onValidationEpochEnd();
  for (const entry of module.takeLogs()) if (typeof entry.value !== 'number') entry.value.dispose();
  return { module, expected };
}

test('ConfusionMatrix writes the PNG and a CSV of the counts, and logs the image', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'cm-'));
  const { module, expected } = validatedModule();
  try {
    const logger = new ImageRecorder();
    const trainer = fakeTrainer({ runDir, currentEpoch: 4, globalStep: 40, loggers: [logger] });
    await new ConfusionMatrix({ keepEpochs: true }).onValidationEnd(trainer, module);

    const csv = parseCsv(await readFile(join(runDir, 'plots', 'confusion_matrix.csv'), 'utf8'));
    assert.deepEqual(csv[0], ['true\\pred', ...CLASSES]);
    assert.deepEqual(
      csv.slice(1).map((row) => row[0]),
      CLASSES,
    );
    assert.deepEqual(
      csv.slice(1).map((row) => row.slice(1).map(Number)),
      expected,
    );
    assert.equal(
      expected.flat().reduce((s, v) => s + v, 0),
      24,
    );

    const png = await readFile(join(runDir, 'plots', 'confusion_matrix.png'));
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, 'png');
    assert.deepEqual([meta.width, meta.height], [2 * 360, 2 * 360]);
    await stat(join(runDir, 'plots', 'confusion_matrix_epoch004.png'));
    assert.equal(logger.images.length, 1);
    assert.equal(logger.images[0].tag, 'val/confusion_matrix');
    assert.deepEqual(logger.images[0].at, { step: 40, epoch: 4 });
    assert.ok(logger.images[0].png.equals(png));

    // Every epoch's counts, one JSON line each, for the dashboard's epoch slider.
    await new ConfusionMatrix().onValidationEnd(fakeTrainer({ runDir, currentEpoch: 5, globalStep: 50 }), module);
    const lines = (await readFile(join(runDir, 'plots', 'confusion_matrices.jsonl'), 'utf8')).trim().split('\n');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l) as unknown),
      [4, 5].map((epoch) => ({ epoch, split: 'val', classNames: CLASSES, matrix: expected })),
    );
  } finally {
    module.dispose();
    await rm(runDir, { recursive: true, force: true });
  }
});

test('ConfusionMatrix writes nothing during the sanity check, off global zero, or without a matrix', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'cm-'));
  const { module } = validatedModule();
  const fresh = new ClassificationModule(new Sequential(new Linear(4, 3)), { numClasses: 3 });
  try {
    const callback = new ConfusionMatrix();
    await callback.onValidationEnd(fakeTrainer({ runDir, sanityChecking: true }), module);
    await callback.onValidationEnd(fakeTrainer({ runDir, isGlobalZero: false }), module);
    await callback.onValidationEnd(fakeTrainer({ runDir }), fresh);
    await assert.rejects(stat(join(runDir, 'plots')), { code: 'ENOENT' });
  } finally {
    module.dispose();
    fresh.dispose();
    await rm(runDir, { recursive: true, force: true });
  }
});

test('ConfusionMatrix is registered with its options schema', () => {
  const built = registry.build<ConfusionMatrix>('callback', 'confusion_matrix', { normalize: 'true' });
  assert.ok(built instanceof ConfusionMatrix);
  assert.equal(built.options.normalize, 'true');
  assert.throws(() => registry.build('callback', 'confusion_matrix', { normalize: 'rows' }), /callback\.confusion_matrix\.normalize/);
});

void test('plot callbacks built directly report a bad option as a ConfigError naming the key', () => {
  const cases: [() => unknown, string][] = [
    [() => new ConfusionMatrix({ normalize: 'rows' } as never), 'normalize'],
    [() => new SampleVisualization({ numSamples: 0 }), 'numSamples'],
    [() => new TrainingHistory({ x: 'time' } as never), 'x'],
    [() => new RunReport({ fileName: 3 } as never), 'fileName'],
  ];
  for (const [build, key] of cases)
    assert.throws(build, (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === key) && e.message.includes(key), key);
});
