import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { colourDataModule, makeColourFolder, tinyCnn } from '../../test/integration/trainer-fixtures.js';
import { iterate, profile, SimpleProfiler } from './profiler.js';
import { Trainer } from './trainer.js';

void test('SimpleProfiler: counts, totals and max per action, slowest first; null profiles nothing', async () => {
  const p = new SimpleProfiler();
  p.record('a', 1);
  p.record('a', 3);
  p.record('b', 10);
  assert.deepEqual(
    p.rows().map((r) => [r.action, r.count, r.totalMs, r.meanMs, r.maxMs]),
    [
      ['b', 1, 10, 10, 10],
      ['a', 2, 4, 2, 3],
    ],
  );
  assert.equal(await profile(null, 'x', () => 5), 5);
  await assert.rejects(
    profile(p, 'fails', () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(p.rows().find((r) => r.action === 'fails')?.count, 1);
  async function* three() {
    for (const v of [1, 2, 3]) yield await Promise.resolve(v);
  }
  const seen: number[] = [];
  for await (const v of iterate(p, 'next', three())) seen.push(v);
  assert.deepEqual(seen, [1, 2, 3]);
  // Three items and the final `done`.
  assert.equal(p.rows().find((r) => r.action === 'next')?.count, 4);
  const report = p.summary('FIT');
  assert.match(report, /^FIT profiler report\nAction +Count +Mean \(ms\)/);
  assert.match(report, /\nb +1 +10\.00 +10\.00 +0\.010 /);
});

void test("profiler: 'simple' times the fit's actions and hooks and writes profile-fit.txt", async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const runDir = path.join(root, 'run');
  const trainer = new Trainer({
    maxEpochs: 2,
    limitTrainBatches: 3,
    numSanityValSteps: 1,
    enableProgressBar: false,
    enableModelSummary: false,
    logger: false,
    numThreads: 2,
    seed: 1,
    profiler: 'simple',
    defaultRootDir: runDir,
  });
  await trainer.fit(tinyCnn(), colourDataModule(root));
  const rows = new Map(trainer.profiler!.rows().map((r) => [r.action, r]));
  assert.equal(rows.get('run_training_batch')?.count, 6);
  assert.equal(rows.get('optimizer_step')?.count, 6);
  assert.equal(rows.get('get_train_batch')?.count, 6);
  assert.equal(rows.get('run_validation')?.count, 2);
  assert.equal(rows.get('run_sanity_check')?.count, 1);
  // Top-1 and last.ckpt are written at each epoch's end.
  assert.ok((rows.get('save_checkpoint')?.count ?? 0) >= 2);
  assert.equal(rows.get('[Callback]ModelCheckpoint.onTrainEpochEnd')?.count, 2);
  for (const r of rows.values()) assert.ok(r.totalMs >= 0 && r.maxMs <= r.totalMs + 1e-9, r.action);
  const text = readFileSync(path.join(runDir, 'profile-fit.txt'), 'utf8');
  assert.match(text, /^FIT profiler report\n/);
  assert.match(text, /\nrun_training_batch +6 /);
  assert.throws(
    () => new Trainer({ profiler: 'advanced' as 'simple' }),
    (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'trainer.profiler'),
  );
});
