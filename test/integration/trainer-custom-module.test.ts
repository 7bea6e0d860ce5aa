/**
 * The Trainer drives any `TrainableModule`, not only ClassificationModule:
 * Lightning's BoringModel (a Linear on the tiny colour images, its own steps,
 * logging and optimizer) trains with checkpointing and two loggers, and a run
 * stopped mid-epoch and resumed ends bitwise where a straight run ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ClassificationBatch } from '../../src/data/classification-batch.js';
import { TrainingError } from '../../src/errors.js';
import type { LogEntry } from '../../src/metrics/log-entry.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { Linear, Module } from '../../src/torch/nn/index.js';
import { SGD } from '../../src/torch/optim/index.js';
import type { OptimizerConfig } from '../../src/torch/optim/index.js';
import { readCheckpoint } from '../../src/training/checkpoint/checkpoint-io.js';
import { disposeCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { CSVLogger } from '../../src/training/loggers/csv-logger.js';
import { JSONLLogger } from '../../src/training/loggers/jsonl-logger.js';
import type { StepOutput, TrainableModule } from '../../src/training/trainable-module.js';
import { Trainer } from '../../src/training/trainer.js';
import type { TrainerInput } from '../../src/training/trainer.js';
import { colourDataModule, makeColourFolder } from './trainer-fixtures.js';

/** Lightning's BoringModel: a Linear over the flattened 3x10x10 crops, with SGD and momentum. */
class BoringModel extends Module implements TrainableModule {
  declare layer: Linear;
  #logs: LogEntry[] = [];

  constructor(seed: number) {
    super();
    torch.manualSeed(seed);
    this.registerModule('layer', new Linear(3 * 10 * 10, 3));
  }
  forward(images: Tensor): Tensor {
    return this.layer.forward(images.flatten(1));
  }
  trainingStep(batch: ClassificationBatch): Tensor {
    const loss = torch.crossEntropy(this.forward(batch.images), batch.labels);
    this.#log('train/loss', loss);
    return loss;
  }
  validationStep(batch: ClassificationBatch): StepOutput {
    const logits = this.forward(batch.images);
    const loss = torch.crossEntropy(logits, batch.labels);
    this.#log('val/loss', loss);
    return { loss, logits };
  }
  configureOptimizers(): OptimizerConfig {
    return { optimizer: new SGD(this.parameters(), { lr: 0.05, momentum: 0.9 }), scheduler: null, interval: 'epoch' };
  }
  takeLogs(): LogEntry[] {
    const logs = this.#logs;
    this.#logs = [];
    return logs;
  }
  #log(name: string, value: Tensor): void {
    this.#logs.push({ name, value: torch.keep(value.detach()), onStep: false, onEpoch: true, progBar: false });
  }
}

const base: TrainerInput = { enableProgressBar: false, enableModelSummary: false, numThreads: 2, seed: 5, maxEpochs: 3 };

function bytesOf(module: Module): Buffer[] {
  return Object.values(module.stateDict()).map((t) => Buffer.from(t.data().buffer));
}

async function train(root: string, dir: string, extra: TrainerInput, ckptPath: string | null = null): Promise<Buffer[]> {
  const dm = colourDataModule(root);
  const module = new BoringModel(ckptPath === null ? 0 : 99); // a resume must take every weight from the checkpoint
  try {
    const trainer = new Trainer({ ...base, defaultRootDir: dir, logger: [new CSVLogger(), new JSONLLogger()], ...extra });
    await trainer.fit(module, dm, { ckptPath });
    return bytesOf(module);
  } finally {
    await dm.close();
    module.dispose();
  }
}

void test('a custom module trains, checkpoints and resumes bitwise through the Trainer, logging to CSV and JSONL', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const straight = await train(root, path.join(root, 'straight'), {});
  // 18 train images, batch 4: 5 steps an epoch; stop in the middle of the second epoch, then resume.
  const dir = path.join(root, 'resumed');
  const first = await train(root, dir, { maxSteps: 7 });
  assert.ok(
    first.some((b, i) => !b.equals(straight[i])),
    'the stopped run should not have reached the end weights',
  );
  const resumed = await train(root, dir, {}, 'last');
  assert.equal(resumed.length, straight.length);
  resumed.forEach((b, i) => assert.ok(b.equals(straight[i]), `weight ${i} differs from the straight run`));

  const last = readCheckpoint(path.join(dir, 'checkpoints', 'last.ckpt'));
  try {
    assert.deepEqual([last.epoch, last.batchInEpoch, last.globalStep], [3, 0, 15]);
    assert.deepEqual(
      last.history.map((h) => h.epoch),
      [0, 1, 2],
    );
    assert.ok(last.history.every((h) => Number.isFinite(h.metrics['train/loss']) && Number.isFinite(h.metrics['val/loss'])));
  } finally {
    disposeCheckpoint(last);
  }
  const csv = readFileSync(path.join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
  assert.ok(csv[0].split(',').includes('val/loss'), csv[0]);
  const jsonl = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  // Both loggers kept the first run's rows and appended the resumed run's: every epoch's val/loss is there once.
  assert.deepEqual(
    jsonl.filter((r) => r['val/loss'] !== undefined).map((r) => r.epoch),
    [0, 1, 2],
  );
  assert.equal(csv.slice(1).filter((row) => row.split(',')[csv[0].split(',').indexOf('val/loss')] !== '').length, 3);
});

void test('a custom module without testStep or predictStep is refused by test and predict with the missing step named', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const dm = colourDataModule(root);
  const module = new BoringModel(0);
  t.after(() => module.dispose());
  const trainer = new Trainer({ ...base, logger: false, enableCheckpointing: false, defaultRootDir: path.join(root, 'run') });
  await assert.rejects(trainer.test(module, dm), (e: unknown) => e instanceof TrainingError && /testStep/.test(e.message));
  await assert.rejects(
    trainer.predict(module, dm, { paths: [path.join(root, 'test', 'red', '0.png')] }),
    (e: unknown) => e instanceof TrainingError && /predictStep/.test(e.message),
  );
  await dm.close();
});
