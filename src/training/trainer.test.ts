import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, TrainingError } from '../errors.js';
import * as torch from '../torch/index.js';
import { Callback } from './callback.js';
import type { BatchContext } from './callback.js';
import { NanGuard } from './callbacks/nan-guard.js';
import { EarlyStopping } from './callbacks/early-stopping.js';
import { Trainer } from './trainer.js';
import type { TrainerInput } from './trainer.js';
import type { TrainerView } from './trainer-view.js';
import { colourDataModule, makeColourFolder, tinyCnn } from '../../test/integration/trainer-fixtures.js';

const quiet: TrainerInput = {
  enableProgressBar: false,
  enableModelSummary: false,
  enableCheckpointing: false,
  logger: false,
  numThreads: 2,
  seed: 1,
};

/** Records the hooks it sees, in order. */
class Recorder extends Callback {
  readonly calls: string[] = [];
  readonly batches: { epoch: number; batchIdx: number; step: number }[] = [];
  override onFitStart() {
    this.calls.push('onFitStart');
  }
  override onSanityCheckStart() {
    this.calls.push('onSanityCheckStart');
  }
  override onTrainEpochStart(t: TrainerView) {
    this.calls.push(`onTrainEpochStart:${t.currentEpoch}`);
  }
  override onTrainBatchEnd(t: TrainerView, _m: unknown, c: BatchContext) {
    this.batches.push({ epoch: t.currentEpoch, batchIdx: c.batchIdx, step: t.globalStep });
  }
  override onValidationEnd(t: TrainerView) {
    this.calls.push(`onValidationEnd${t.sanityChecking ? ':sanity' : `:${t.batchIdx}`}`);
  }
  override onTrainEpochEnd(t: TrainerView) {
    this.calls.push(`onTrainEpochEnd:${t.currentEpoch}`);
  }
  override onFitEnd() {
    this.calls.push('onFitEnd');
  }
}

void test('options: an out-of-range seed, a bad limit and an unknown key are one ConfigError naming each key', () => {
  assert.throws(
    () => new Trainer({ seed: 2 ** 40, limitTrainBatches: -1, maxEpoch: 3 } as TrainerInput),
    (e: unknown) =>
      e instanceof ConfigError &&
      ['trainer.seed', 'trainer.limitTrainBatches', 'trainer.maxEpoch'].every((k) => e.issues.some((i) => i.path === k)) &&
      /2\^32/.test(e.message),
  );
  assert.throws(
    () => new Trainer({ precision: '16-mixed', device: 'cpu' }),
    (e: unknown) => e instanceof ConfigError && /bf16-mixed/.test(e.message),
  );
});

void test('hooks run in Lightning order; limits, valCheckInterval and accumulation set the step counts', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const rec = new Recorder();
  // 18 train images, batch 4: 5 batches; limit 0.8 -> 4; accumulate 2 -> 2 steps per epoch; val every 2 batches.
  const trainer = new Trainer({
    ...quiet,
    maxEpochs: 2,
    limitTrainBatches: 0.8,
    accumulateGradBatches: 2,
    valCheckInterval: 2,
    numSanityValSteps: 1,
    callbacks: [rec],
  });
  await trainer.fit(tinyCnn(), colourDataModule(root));
  assert.equal(trainer.numTrainBatches, 4);
  assert.equal(trainer.globalStep, 4);
  assert.deepEqual(
    rec.batches.map((b) => b.step),
    [0, 1, 1, 2, 2, 3, 3, 4],
  );
  assert.deepEqual(rec.calls, [
    'onFitStart',
    'onSanityCheckStart',
    'onValidationEnd:sanity',
    'onTrainEpochStart:0',
    'onValidationEnd:1',
    'onValidationEnd:3',
    'onTrainEpochEnd:0',
    'onTrainEpochStart:1',
    'onValidationEnd:1',
    'onValidationEnd:3',
    'onTrainEpochEnd:1',
    'onFitEnd',
  ]);
  assert.equal(trainer.history.length, 2);
  assert.ok(trainer.history[1].metrics['val/acc_top1'] !== undefined && trainer.history[1].metrics.lr !== undefined);
});

void test('maxSteps-only and fastDevRun runs work; a per-step schedule is derived from the limits', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const dm = colourDataModule(root);
  const stepsOnly = new Trainer({ ...quiet, maxSteps: 7 });
  await stepsOnly.fit(tinyCnn(), dm);
  assert.equal(stepsOnly.globalStep, 7);
  assert.equal(stepsOnly.currentEpoch, 1);
  const fast = new Trainer({ ...quiet, fastDevRun: 2, enableCheckpointing: true, logger: true, defaultRootDir: path.join(root, 'fast') });
  await fast.fit(tinyCnn(), dm);
  assert.equal(fast.globalStep, 2);
  assert.deepEqual(fast.loggers, []);
  const [metrics] = await fast.test(tinyCnn(), dm);
  assert.ok(metrics['test/acc_top1'] >= 0 && metrics['test/acc_top1'] <= 1);
});

void test('bf16-mixed trains and the loss falls; validate returns the val metrics', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const dm = colourDataModule(root);
  const module = tinyCnn();
  const trainer = new Trainer({ ...quiet, maxEpochs: 4, precision: 'bf16-mixed' });
  assert.equal(trainer.channelsLast, true);
  await trainer.fit(module, dm);
  const losses = trainer.history.map((h) => h.metrics['train/loss']);
  assert.ok(losses[3] < losses[0], `train/loss per epoch: ${losses.join(', ')}`);
  const [val] = await trainer.validate(module, dm);
  assert.ok(val['val/loss'] > 0 && val['val/acc_top1'] >= 0);
});

void test('EarlyStopping stops the run and says why; NanGuard names the epoch and step of a non-finite loss', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const dm = colourDataModule(root);
  const stopper = new EarlyStopping({ monitor: 'val/loss', stoppingThreshold: 100 });
  const printed: string[] = [];
  const trainer = new Trainer({ ...quiet, maxEpochs: 10, callbacks: [stopper] });
  trainer.setPrinter((m) => printed.push(m));
  await trainer.fit(tinyCnn(), dm);
  assert.equal(trainer.currentEpoch, 0);
  assert.ok(
    printed.some((m) => /EarlyStopping: val\/loss = .* reached stoppingThreshold 100/.test(m)),
    printed.join('\n'),
  );

  class Poison extends Callback {
    override onTrainBatchEnd(tv: TrainerView) {
      if (tv.globalStep === 6) torch.noGrad(() => tv.optimizer?.paramGroups[0].params[0].fill_(Number.NaN));
    }
  }
  await assert.rejects(
    new Trainer({ ...quiet, maxEpochs: 3, callbacks: [new Poison(), new NanGuard({ checkEveryNSteps: 2 })] }).fit(tinyCnn(), dm),
    (e: unknown) => e instanceof TrainingError && /epoch 1, step 7 \(batch 1\)/.test(e.message),
  );
});
