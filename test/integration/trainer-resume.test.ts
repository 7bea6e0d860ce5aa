/**
 * Exact resume: a run stopped at an epoch boundary or in the middle of an
 * epoch and resumed from its checkpoint ends with bitwise the same weights as
 * the run that never stopped (same seed, CPU), with and without worker
 * threads; a changed config is refused; a corrupt newest checkpoint falls
 * back to the previous one; a failed write leaves the old checkpoint intact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { ConfigError, SerializationError } from '../../src/errors.js';
import type { ClassificationModule } from '../../src/models/classification-module.js';
import { readCheckpoint } from '../../src/training/checkpoint/checkpoint-io.js';
import { disposeCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { ModelCheckpoint } from '../../src/training/callbacks/model-checkpoint.js';
import { Trainer } from '../../src/training/trainer.js';
import type { TrainerInput } from '../../src/training/trainer.js';
import { colourDataModule, makeColourFolder, tinyCnn } from './trainer-fixtures.js';

const quiet: TrainerInput = { enableProgressBar: false, enableModelSummary: false, logger: false, numThreads: 2, seed: 11 };

function weightsOf(module: ClassificationModule): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, t] of Object.entries(module.stateDict({ keepVars: true }))) out.set(name, Buffer.from(t.data().buffer));
  return out;
}

function assertBitwiseEqual(a: Map<string, Buffer>, b: Map<string, Buffer>): void {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, bytes] of a) assert.ok(bytes.equals(b.get(name)!), `${name} differs`);
}

async function straight(root: string, dir: string, extra: TrainerInput = {}, dmExtra = {}): Promise<Map<string, Buffer>> {
  const dm = colourDataModule(root, dmExtra);
  const module = tinyCnn();
  await new Trainer({ ...quiet, maxEpochs: 4, defaultRootDir: dir, ...extra }).fit(module, dm);
  await dm.close();
  const w = weightsOf(module);
  module.dispose();
  return w;
}

async function stoppedThenResumed(
  root: string,
  dir: string,
  stopAtStep: number,
  extra: TrainerInput = {},
  dmExtra = {},
): Promise<Map<string, Buffer>> {
  const dm1 = colourDataModule(root, dmExtra);
  const first = tinyCnn();
  await new Trainer({ ...quiet, maxEpochs: 4, maxSteps: stopAtStep, defaultRootDir: dir, ...extra }).fit(first, dm1);
  await dm1.close();
  first.dispose();
  const dm2 = colourDataModule(root, dmExtra);
  const second = tinyCnn({}, 1234); // different initial weights: everything must come from the checkpoint
  await new Trainer({ ...quiet, maxEpochs: 4, defaultRootDir: dir, ...extra }).fit(second, dm2, { ckptPath: 'last' });
  await dm2.close();
  const w = weightsOf(second);
  second.dispose();
  return w;
}

void test('2 epochs + resume + 2 epochs and a mid-epoch stop + resume give the weights of 4 straight epochs, bitwise', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const reference = await straight(root, path.join(root, 'straight'));
  // 18 train images, batch 4: 5 steps per epoch.
  assertBitwiseEqual(reference, await stoppedThenResumed(root, path.join(root, 'boundary'), 10));
  const midDir = path.join(root, 'mid');
  const mid = await stoppedThenResumed(root, midDir, 12);
  assertBitwiseEqual(reference, mid);
  const last = readCheckpoint(path.join(midDir, 'checkpoints', 'last.ckpt'));
  assert.equal(last.globalStep, 20);
  disposeCheckpoint(last);
});

void test('resume is exact with worker threads and with gradient accumulation', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const workers = { workers: 1 };
  assertBitwiseEqual(
    await straight(root, path.join(root, 'a'), {}, workers),
    await stoppedThenResumed(root, path.join(root, 'b'), 7, {}, workers),
  );
  const acc: TrainerInput = { accumulateGradBatches: 2, gradientClipVal: 0.5 };
  // 5 batches, accumulate 2: 3 optimizer steps per epoch; stop after 4 steps (mid-epoch 1).
  assertBitwiseEqual(await straight(root, path.join(root, 'c'), acc), await stoppedThenResumed(root, path.join(root, 'd'), 4, acc));
});

void test('a changed config is refused with the differing keys unless resume.allowConfigChange', async (t) => {
  const root = await makeColourFolder(4);
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  const dm = colourDataModule(root);
  await new Trainer({ ...quiet, maxEpochs: 1, defaultRootDir: dir, config: { optimizer: { lr: 0.05 }, seed: 11 } }).fit(tinyCnn(), dm);
  await assert.rejects(
    new Trainer({ ...quiet, maxEpochs: 2, defaultRootDir: dir, config: { optimizer: { lr: 0.1 }, seed: 11 } }).fit(tinyCnn(), dm, {
      ckptPath: 'last',
    }),
    (e: unknown) => e instanceof ConfigError && /optimizer\.lr: 0\.05 -> 0\.1/.test(e.message) && /allowConfigChange/.test(e.message),
  );
  const trainer = new Trainer({
    ...quiet,
    maxEpochs: 2,
    defaultRootDir: dir,
    config: { optimizer: { lr: 0.1 }, seed: 11 },
    resume: { allowConfigChange: true },
  });
  await trainer.fit(tinyCnn(), dm, { ckptPath: 'last' });
  assert.equal(trainer.globalStep, 6); // 9 train images, batch 4: 3 steps per epoch
});

void test('a corrupt last.ckpt falls back to the previous valid checkpoint with a warning naming it', async (t) => {
  const root = await makeColourFolder(4);
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  const dm = colourDataModule(root);
  await new Trainer({ ...quiet, maxEpochs: 2, defaultRootDir: dir, callbacks: [new ModelCheckpoint({ saveTopK: -1 })] }).fit(tinyCnn(), dm);
  const last = path.join(dir, 'checkpoints', 'last.ckpt');
  // last.ckpt shares its file with the newest kept checkpoint; a corrupt one is a file of its own (copied in part, say).
  const head = fs.readFileSync(last).subarray(0, 200);
  fs.rmSync(last);
  fs.writeFileSync(last, head);
  const printed: string[] = [];
  const trainer = new Trainer({ ...quiet, maxEpochs: 3, defaultRootDir: dir, callbacks: [new ModelCheckpoint({ saveTopK: -1 })] });
  trainer.setPrinter((m) => printed.push(m));
  await trainer.fit(tinyCnn(), dm, { ckptPath: 'last' });
  assert.ok(
    printed.some((m) => m.includes('skipped unreadable checkpoint') && m.includes(last)),
    printed.join('\n'),
  );
  assert.ok(
    printed.some((m) => m.includes('epoch=1-step=6.ckpt')),
    printed.join('\n'),
  );
  assert.equal(trainer.globalStep, 9);
});

void test('a failed checkpoint write names the path and the reason and leaves the previous checkpoint intact', async (t) => {
  const root = await makeColourFolder(4);
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  const dm = colourDataModule(root);
  await new Trainer({ ...quiet, maxEpochs: 1, defaultRootDir: dir }).fit(tinyCnn(), dm);
  const last = path.join(dir, 'checkpoints', 'last.ckpt');
  const before = fs.readFileSync(last);
  const writeSync = fs.writeSync;
  fs.writeSync = () => {
    throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
  };
  syncBuiltinESMExports();
  try {
    await assert.rejects(
      new Trainer({ ...quiet, maxEpochs: 2, defaultRootDir: dir }).fit(tinyCnn(), dm, { ckptPath: 'last' }),
      (e: unknown) => e instanceof SerializationError && e.message.includes('ENOSPC') && e.message.includes(path.join(dir, 'checkpoints')),
    );
  } finally {
    fs.writeSync = writeSync;
    syncBuiltinESMExports();
  }
  assert.ok(fs.readFileSync(last).equals(before));
  assert.deepEqual(
    fs.readdirSync(path.join(dir, 'checkpoints')).filter((n) => n.includes('.tmp-')),
    [],
  );
  disposeCheckpoint(readCheckpoint(last));
  assert.ok(existsSync(last));
});
