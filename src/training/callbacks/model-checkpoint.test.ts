/**
 * ModelCheckpoint writes each save point's state once: `last.ckpt` is a hard
 * link to the kept file of the same step, and replacing either name later
 * leaves the other's bytes alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../torch/serialization/atomic-write.js';
import { fakeTrainer } from './fake-trainer.test-helper.js';
import type { FakeTrainer } from './fake-trainer.test-helper.js';
import { ModelCheckpoint } from './model-checkpoint.js';
import type { ModelCheckpointOptions } from './model-checkpoint.js';

/** A trainer whose saveCheckpoint writes the step's state by rename, as the real one does, and records each file written. */
function recordingTrainer(runDir: string): FakeTrainer & { written: string[] } {
  const written: string[] = [];
  const trainer = fakeTrainer({ runDir });
  trainer.saveCheckpoint = (file: string) => {
    written.push(path.basename(file));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, Buffer.from(`state at step ${trainer.globalStep}`));
    return Promise.resolve();
  };
  return Object.assign(trainer, { written });
}

function setUp(t: { after: (fn: () => void) => void }, options: ModelCheckpointOptions) {
  const runDir = mkdtempSync(path.join(tmpdir(), 'model-checkpoint-'));
  t.after(() => rmSync(runDir, { recursive: true, force: true }));
  const trainer = recordingTrainer(runDir);
  const callback = new ModelCheckpoint(options);
  callback.setup(trainer);
  const dir = path.join(runDir, 'checkpoints');
  const save = async (step: number, metrics: Record<string, number> = {}): Promise<void> => {
    trainer.globalStep = step;
    trainer.currentEpoch = step - 1;
    trainer.callbackMetrics = metrics;
    await callback.save(trainer);
  };
  return { trainer, dir, save, file: (name: string) => path.join(dir, name) };
}

const inode = (file: string): number => statSync(file).ino;

void test('a kept checkpoint is written once and last.ckpt is a hard link to it', async (t) => {
  const { trainer, save, file } = setUp(t, { monitor: 'val/acc', mode: 'max', saveTopK: 1, filename: '{epoch}' });
  await save(1, { 'val/acc': 0.5 });
  assert.deepEqual(trainer.written, ['epoch=0.ckpt']);
  assert.equal(inode(file('last.ckpt')), inode(file('epoch=0.ckpt')));
  assert.equal(statSync(file('last.ckpt')).nlink, 2);
  assert.equal(readFileSync(file('last.ckpt'), 'utf8'), 'state at step 1');
});

void test('a later last.ckpt that is not kept replaces the link and leaves the best file as it was', async (t) => {
  const { trainer, dir, save, file } = setUp(t, { monitor: 'val/acc', mode: 'max', saveTopK: 1, filename: '{epoch}' });
  await save(1, { 'val/acc': 0.5 });
  await save(2, { 'val/acc': 0.4 });
  assert.deepEqual(trainer.written, ['epoch=0.ckpt', 'last.ckpt']);
  assert.equal(readFileSync(file('epoch=0.ckpt'), 'utf8'), 'state at step 1');
  assert.equal(readFileSync(file('last.ckpt'), 'utf8'), 'state at step 2');
  assert.notEqual(inode(file('last.ckpt')), inode(file('epoch=0.ckpt')));
  assert.equal(statSync(file('epoch=0.ckpt')).nlink, 1);
  await save(3, { 'val/acc': 0.9 });
  assert.deepEqual(trainer.written, ['epoch=0.ckpt', 'last.ckpt', 'epoch=2.ckpt']);
  assert.equal(inode(file('last.ckpt')), inode(file('epoch=2.ckpt')));
  assert.deepEqual(readdirSync(dir).sort(), ['epoch=2.ckpt', 'last.ckpt']);
});

void test('without a monitor every save point is written once and last.ckpt follows the newest of the top k', async (t) => {
  const { trainer, dir, save, file } = setUp(t, { saveTopK: 2, filename: '{step}' });
  for (const step of [1, 2, 3]) await save(step);
  assert.deepEqual(trainer.written, ['step=1.ckpt', 'step=2.ckpt', 'step=3.ckpt']);
  assert.deepEqual(readdirSync(dir).sort(), ['last.ckpt', 'step=2.ckpt', 'step=3.ckpt']);
  assert.equal(inode(file('last.ckpt')), inode(file('step=3.ckpt')));
  assert.equal(readFileSync(file('step=2.ckpt'), 'utf8'), 'state at step 2');
});

void test('saveTopK 0 writes last.ckpt alone, once per save point', async (t) => {
  const { trainer, dir, save } = setUp(t, { saveTopK: 0 });
  await save(1);
  await save(2);
  assert.deepEqual(trainer.written, ['last.ckpt', 'last.ckpt']);
  assert.deepEqual(readdirSync(dir), ['last.ckpt']);
});
