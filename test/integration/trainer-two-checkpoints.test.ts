/**
 * Two ModelCheckpoints in one run (best `val/loss` and best `val/acc_top1`):
 * each keeps its own state under its own key and its own files, both
 * rankings survive a stop and a resume, `ckptPath: 'best'` refuses to guess
 * between them and `best:<monitor>` chooses; two checkpoint callbacks writing
 * the same files are refused before training; a checkpoint written when the
 * key was the bare class name still restores into the run's one callback.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { Callback } from '../../src/training/callback.js';
import { ModelCheckpoint } from '../../src/training/callbacks/model-checkpoint.js';
import { checkpointCandidates, disposeCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { readCheckpoint, readCheckpointHeader, writeCheckpoint } from '../../src/training/checkpoint/checkpoint-io.js';
import { Trainer } from '../../src/training/trainer.js';
import type { TrainerInput } from '../../src/training/trainer.js';
import { colourDataModule, makeColourFolder, tinyCnn } from './trainer-fixtures.js';

const quiet: TrainerInput = { enableProgressBar: false, enableModelSummary: false, logger: false, numThreads: 2, seed: 7 };

const byLoss = () => new ModelCheckpoint({ monitor: 'val/loss', mode: 'min', filename: 'loss-{epoch}', saveTopK: 1 });
const byAcc = () => new ModelCheckpoint({ monitor: 'val/acc_top1', mode: 'max', filename: 'acc-{epoch}', saveTopK: 2 });

/** The rankings as restored, before the resumed run trains (restore happens before onFitStart). */
class RankingProbe extends Callback {
  restored: [string, number][][] = [];
  constructor(readonly watched: ModelCheckpoint[]) {
    super();
  }
  override onFitStart(): void {
    this.restored = this.watched.map((c) => c.bestKModels.map(([p, v]): [string, number] => [p, v]));
  }
}

/** The best `k` values of `metric` over the run's epochs, best first. */
function topK(trainer: Trainer, metric: string, k: number, mode: 'min' | 'max'): number[] {
  const values = trainer.history.map((r) => r.metrics[metric]).filter((v): v is number => typeof v === 'number');
  return values.sort((a, b) => (mode === 'min' ? a - b : b - a)).slice(0, k);
}

/** A colour folder with `perClass` train images per class, its data module, and the run's folders; removed after the test. */
async function runSetup(t: TestContext, perClass: number) {
  const root = await makeColourFolder(perClass);
  t.after(() => rm(root, { recursive: true, force: true }));
  const dm = colourDataModule(root);
  t.after(() => dm.close());
  const dir = path.join(root, 'run');
  return { dm, dir, ckpts: path.join(dir, 'checkpoints') };
}

void test('two ModelCheckpoints rank their own files under their own keys; both resume; best refuses to guess, best:<monitor> chooses', async (t) => {
  const { dm, dir, ckpts } = await runSetup(t, 4);

  const first = [byLoss(), byAcc()];
  await new Trainer({ ...quiet, maxEpochs: 2, defaultRootDir: dir, callbacks: first }).fit(tinyCnn(), dm);
  const saved = readCheckpointHeader(path.join(ckpts, 'last.ckpt')).callbacks;
  assert.deepEqual(Object.keys(saved).sort(), [
    'ModelCheckpoint{"monitor":"val/acc_top1","mode":"max","everyNEpochs":1,"everyNTrainSteps":null}',
    'ModelCheckpoint{"monitor":"val/loss","mode":"min","everyNEpochs":1,"everyNTrainSteps":null}',
  ]);
  assert.equal(first[0].bestKModels.length, 1);
  assert.equal(first[1].bestKModels.length, 2);

  // ckptPath 'best' cannot tell which ranking is meant: the error lists both and how to choose.
  assert.throws(
    () => checkpointCandidates('best', ckpts),
    (e: unknown) =>
      e instanceof ConfigError &&
      /val\/loss \(min\)/.test(e.message) &&
      /val\/acc_top1 \(max\)/.test(e.message) &&
      e.message.includes('ckptPath=best:val/loss') &&
      e.message.includes('ckptPath=best:val/acc_top1') &&
      e.message.includes('a checkpoint file') &&
      e.issues[0]?.path === 'ckptPath',
  );
  assert.equal(checkpointCandidates('best:val/loss', ckpts)[0], first[0].bestModelPath);
  assert.equal(checkpointCandidates('best:val/acc_top1', ckpts)[0], first[1].bestModelPath);
  assert.throws(
    () => checkpointCandidates('best:val/f1', ckpts),
    (e: unknown) =>
      e instanceof ConfigError &&
      /'best:val\/f1'/.test(e.message) &&
      /val\/loss \(min\), val\/acc_top1 \(max\)|val\/acc_top1 \(max\), val\/loss \(min\)/.test(e.message),
  );
  await assert.rejects(
    new Trainer({ ...quiet, defaultRootDir: dir, enableCheckpointing: false }).test(tinyCnn(), dm, { ckptPath: 'best' }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('ckptPath=best:val/loss'),
  );

  // Stop, then resume for a third epoch with new callbacks: each takes back its own ranking.
  const second = [byLoss(), byAcc()];
  const probe = new RankingProbe(second);
  const resumed = new Trainer({ ...quiet, maxEpochs: 3, defaultRootDir: dir, callbacks: [probe, ...second] });
  await resumed.fit(tinyCnn(), dm, { ckptPath: 'last' });
  assert.deepEqual(probe.restored, [first[0].bestKModels, first[1].bestKModels]);
  assert.equal(resumed.history.length, 3);
  assert.deepEqual(
    second[0].bestKModels.map(([, v]) => v),
    topK(resumed, 'val/loss', 1, 'min'),
  );
  assert.deepEqual(
    second[1].bestKModels.map(([, v]) => v),
    topK(resumed, 'val/acc_top1', 2, 'max'),
  );

  // Each ranking names only its own files, every one of them is on disk, and nothing else is left but last.ckpt.
  const [lossFiles, accFiles] = second.map((c) => c.bestKModels.map(([p]) => path.basename(p)));
  assert.ok(lossFiles.every((f) => f.startsWith('loss-')) && accFiles.every((f) => f.startsWith('acc-')), `${lossFiles} ${accFiles}`);
  for (const [file] of [...second[0].bestKModels, ...second[1].bestKModels]) assert.ok(existsSync(file), file);
  assert.deepEqual(readdirSync(ckpts).sort(), [...new Set([...accFiles, ...lossFiles, 'last.ckpt'])].sort());
});

void test('two checkpoint callbacks writing the same files are refused before training, naming both and the way out', async (t) => {
  const { dm, dir } = await runSetup(t, 2);
  const callbacks = [new ModelCheckpoint({ monitor: 'val/loss' }), new ModelCheckpoint({ monitor: 'val/acc_top1', mode: 'max' })];
  const trainer = new Trainer({ ...quiet, maxEpochs: 1, defaultRootDir: dir, callbacks });
  await assert.rejects(
    trainer.fit(tinyCnn(), dm),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.includes('"monitor":"val/loss"') &&
      e.message.includes('"monitor":"val/acc_top1"') &&
      e.message.includes("'{epoch}-{step}'") &&
      /filename .* or dirpath/.test(e.message),
  );
  assert.equal(trainer.globalStep, 0);
});

void test('a checkpoint that keeps its ranking under the old key ModelCheckpoint resumes into the one checkpoint callback', async (t) => {
  const { dm, dir, ckpts } = await runSetup(t, 2);
  const before = byAcc();
  await new Trainer({ ...quiet, maxEpochs: 1, defaultRootDir: dir, callbacks: [before] }).fit(tinyCnn(), dm);
  // Rewrite last.ckpt as an older version wrote it: the state under the class name.
  const last = path.join(ckpts, 'last.ckpt');
  const checkpoint = readCheckpoint(last);
  try {
    checkpoint.callbacks = { ModelCheckpoint: checkpoint.callbacks[before.stateKey] };
    writeCheckpoint(checkpoint, last);
  } finally {
    disposeCheckpoint(checkpoint);
  }
  assert.deepEqual(Object.keys(readCheckpointHeader(last).callbacks), ['ModelCheckpoint']);
  assert.equal(checkpointCandidates('best', ckpts)[0], before.bestModelPath, "'best' reads the old key");

  const after = byAcc();
  const probe = new RankingProbe([after]);
  await new Trainer({ ...quiet, maxEpochs: 2, defaultRootDir: dir, callbacks: [probe, after] }).fit(tinyCnn(), dm, { ckptPath: 'last' });
  assert.deepEqual(probe.restored, [before.bestKModels]);
});
