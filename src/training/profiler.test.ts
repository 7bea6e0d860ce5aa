import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { colourDataModule, makeColourFolder, tinyCnn } from '../../test/integration/trainer-fixtures.js';
import { describeUtilisation, iterate, profile, SimpleProfiler } from './profiler.js';
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
  assert.match(report, /^FIT profiler report\nCPU: .*\nAction +Count +Mean \(ms\)/);
  assert.match(report, /\nb +1 +10\.00 +10\.00 +0\.010 /);
});

void test('SimpleProfiler: CPU utilisation of the stage and of each top-level action, from a stubbed clock', async () => {
  let nowMs = 1000;
  let cpuUs = 5e6;
  // Each tick: `ms` of wall time during which the process used `cores` cores.
  const tick = (ms: number, cores: number) => {
    nowMs += ms;
    cpuUs += ms * cores * 1000;
  };
  const p = new SimpleProfiler({ now: () => nowMs, cpuUsage: () => ({ user: cpuUs * 0.75, system: cpuUs * 0.25 }), cores: 2 });
  tick(50, 2); // before reset: not counted
  p.reset();
  await profile(p, 'run_training_batch', () => tick(300, 1.8));
  await profile(p, 'run_training_batch', () => tick(100, 1.8));
  await profile(p, 'get_train_batch', () => tick(100, 0.5));
  await profile(p, '[Callback]X.onTrainBatchEnd', () => tick(10, 1));
  tick(490, 0); // idle
  const u = p.cpuUtilisation();
  assert.equal(u.wallMs, 1000);
  assert.equal(u.cpuMs, 720 + 50 + 10);
  assert.equal(describeUtilisation(u), '0.78 of 2 cores (39%)');
  const rows = new Map(p.rows().map((r) => [r.action, r]));
  assert.equal(rows.get('run_training_batch')?.cpuMs, 720);
  assert.equal(rows.get('get_train_batch')?.cpuMs, 50);
  assert.equal(rows.get('[Callback]X.onTrainBatchEnd')?.cpuMs, null, 'hooks: wall time only');
  const report = p.summary('FIT');
  assert.match(report, /^FIT profiler report\nCPU: 0\.78 of 2 cores \(39%\) busy over the stage/);
  assert.match(report, /\nAction +Count +Mean \(ms\) +Max \(ms\) +Total \(s\) +% of wall +CPU \(s\) +% of CPU +Cores busy\n/);
  // CPU s, share of the stage's CPU time, cores busy during the action.
  assert.match(report, /\nTotal \(wall\) +1 +1000\.00 +1000\.00 +1\.000 +100\.0 +0\.780 +100\.0 +0\.78\n/);
  assert.match(report, /\nrun_training_batch +2 +200\.00 +300\.00 +0\.400 +40\.0 +0\.720 +92\.3 +1\.80\n/);
  assert.match(report, /\nget_train_batch +1 +100\.00 +100\.00 +0\.100 +10\.0 +0\.050 +6\.4 +0\.50\n/);
  assert.match(report, /\n\[Callback\]X\.onTrainBatchEnd +1 +10\.00 +10\.00 +0\.010 +1\.0 +- +- +-$/);
});

// A loop that runs until the process has used 100 ms of CPU time (other processes on a busy machine may
// slow it in wall time, never in CPU time): the profiler must see those 100 ms, in ms, within what the
// machine's cores could give over the wall time it took.
void test('SimpleProfiler: a busy loop is measured by the real clocks, in ms of CPU time', async () => {
  const p = new SimpleProfiler();
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  await profile(p, 'run_training_batch', () => {
    const until = cpuMs() + 100;
    let x = 0;
    while (cpuMs() < until) for (let i = 0; i < 1000; i++) x += Math.sqrt(x + i);
    return x;
  });
  const row = p.rows()[0];
  assert.ok(row.cpuMs !== null && row.cpuMs >= 100, `${row.cpuMs} ms CPU`);
  assert.ok(row.cpuMs <= row.totalMs * availableParallelism() + 5, `${row.cpuMs} ms CPU in ${row.totalMs} ms of wall time`);
  const stage = p.cpuUtilisation();
  assert.ok(stage.busyCores > 0 && stage.busyCores <= stage.cores + 0.05, describeUtilisation(stage));
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
  assert.match(text, /^FIT profiler report\nCPU: \d+\.\d\d of \d+ cores \(\d+%\) busy over the stage/);
  assert.ok((rows.get('run_training_batch')?.cpuMs ?? 0) > 0, 'forward + backward use CPU time');
  assert.throws(
    () => new Trainer({ profiler: 'advanced' as 'simple' }),
    (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'trainer.profiler'),
  );
});
