/**
 * The Trainer with strategy 'ddp' on 2 CPU processes (Gloo): the launcher
 * starts the workers itself; each rank trains on its shard with averaged
 * gradients and validates its unpadded share of the val split; only rank 0
 * writes metrics.csv and checkpoints; the validation metrics (synced over
 * ranks) equal a single-process validation of the final weights — also when
 * the val split's size is not a multiple of the world size — and the train
 * epoch metrics are the same on both ranks. Each rank's 'auto' threads and
 * data parallelism count half the machine's cores. The same holds with
 * bf16-mixed, whose 'auto' memory format makes the weights channels-last,
 * and no rank warns that a gradient's strides differ from its bucket's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os, { availableParallelism } from 'node:os';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { coresPerRank, resolveParallelism } from '../../src/data/parallelism.js';
import { readCheckpointHeader } from '../../src/training/checkpoint/checkpoint-io.js';
import { makeColourFolder } from '../integration/trainer-fixtures.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'trainer-ddp-child.ts');

interface DdpRun {
  dir: string;
  single: Record<string, number>;
  ranks: Record<string, number>[];
  shares: { threads: number; workers: number; concurrency: number }[];
  /** Per rank, parameter name -> whether it is channels-last (and not also contiguous). */
  layouts: Record<string, boolean>[];
}

async function runDdp(
  t: { after(fn: () => Promise<void>): void },
  perClass: number,
  options: { valFraction?: number; precision?: '32' | 'bf16-mixed' } = {},
): Promise<DdpRun> {
  const root = await makeColourFolder(perClass);
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  const args = ['--import', 'tsx', child, root, dir, ...(options.valFraction !== undefined ? [String(options.valFraction)] : [])];
  // OMP_NUM_THREADS would set the threads itself, past the 'auto' share the test checks.
  const env: NodeJS.ProcessEnv = { ...process.env, DDP_TEST_PRECISION: options.precision ?? '32' };
  delete env.OMP_NUM_THREADS;
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 180_000, env });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const result = /RESULT (.*)/.exec(run.stdout);
  assert.ok(result, run.stdout + run.stderr);
  const ranks = [0, 1].map((r) => {
    const line = new RegExp(`RANK ${r} (.*)`).exec(run.stdout);
    assert.ok(line, `rank ${r} printed its metrics: ${run.stdout}`);
    return JSON.parse(line[1]) as Record<string, number>;
  });
  const shares = [0, 1].map((r) => {
    const line = new RegExp(`SHARE ${r} (.*)`).exec(run.stdout);
    assert.ok(line, `rank ${r} printed its threads: ${run.stdout}`);
    return JSON.parse(line[1]) as DdpRun['shares'][number];
  });
  const layouts = [0, 1].map((r) => {
    const line = new RegExp(`LAYOUT ${r} (.*)`).exec(run.stdout);
    assert.ok(line, `rank ${r} printed its layouts: ${run.stdout}`);
    return JSON.parse(line[1]) as Record<string, boolean>;
  });
  assert.equal(run.stderr.split('FIT profiler report').length - 1, 1, `one profiler report, from rank 0:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /strides do not match/i, 'gradients land in bucket views of their own strides');
  return { dir, single: JSON.parse(result[1]) as Record<string, number>, ranks, shares, layouts };
}

function assertSameVal(logged: Record<string, number>, single: Record<string, number>): void {
  const names = Object.keys(single).filter((n) => n.startsWith('val/'));
  assert.ok(names.length >= 6, `val metrics: ${names.join(', ')}`);
  for (const name of names)
    assert.ok(Math.abs(logged[name] - single[name]) < 1e-6, `${name}: rank 0 logged ${logged[name]}, one process gives ${single[name]}`);
}

void test('fit with strategy ddp on 2 processes: rank 0 writes, the logged val metrics equal a single-process validation', async (t) => {
  const { dir, single, ranks, shares, layouts } = await runDdp(t, 8);
  assert.equal(layouts[0]['backbone.0.weight'], false, 'fp32: contiguous weights');
  const header = readCheckpointHeader(path.join(dir, 'checkpoints', 'last.ckpt'));
  // 18 train images over 2 ranks at batch 4: 9 each, 3 steps per epoch.
  assert.equal(header.globalStep, 6);
  assertSameVal(header.history.at(-1)!.metrics, single);
  // Train metrics are synced too: both ranks computed the same epoch values from different shards.
  for (const name of ['train/loss', 'train/acc_top1']) {
    assert.ok(name in ranks[0], `${name} in ${Object.keys(ranks[0]).join(', ')}`);
    assert.equal(ranks[1][name], ranks[0][name], `${name} differs between ranks`);
  }
  assert.equal(readdirSync(dir).filter((n) => n.startsWith('events.out')).length, 1, 'only rank 0 writes event files');
  // 2 ranks on this machine: each takes half the cores (at least 1) for libtorch and for 'auto' data parallelism
  // (the colour pipeline's RandomCrop runs on the JavaScript thread for PNGs, so 'auto' starts worker threads).
  const cores = availableParallelism();
  const share = resolveParallelism({
    workers: 'auto',
    concurrency: 'auto',
    jsThreadSteps: ['RandomCrop'],
    source: 'file',
    cores,
    localWorldSize: 2,
  });
  for (const rank of [0, 1]) assert.deepEqual(shares[rank], { threads: coresPerRank(cores, 2), ...share }, `rank ${rank}`);
  assert.equal(shares[0].workers, coresPerRank(cores, 2));
  if (cores >= 2) assert.ok(shares[0].threads < cores && shares[0].workers < cores, `${JSON.stringify(shares[0])} of ${cores} cores`);
});

void test('an odd-sized val split over 2 ranks: the synced metrics equal one process on the whole split', async (t) => {
  // 3 classes x 7 = 21 images, 3 of them val (one per class): rank 0 validates 2, rank 1 validates 1, none twice.
  const { dir, single, ranks } = await runDdp(t, 7, { valFraction: 0.2 });
  const header = readCheckpointHeader(path.join(dir, 'checkpoints', 'last.ckpt'));
  assertSameVal(header.history.at(-1)!.metrics, single);
  assertSameVal(ranks[1], single);
});

void test("bf16-mixed over 2 ranks trains the Trainer's default channels-last weights; the logged val metrics equal one process's", async (t) => {
  const { dir, single, ranks, layouts } = await runDdp(t, 8, { precision: 'bf16-mixed' });
  // tinyCnn's one conv weight; memoryFormat 'auto' with bf16 on CPU.
  for (const rank of [0, 1]) assert.equal(layouts[rank]['backbone.0.weight'], true, `rank ${rank}: ${JSON.stringify(layouts[rank])}`);
  const header = readCheckpointHeader(path.join(dir, 'checkpoints', 'last.ckpt'));
  assert.equal(header.globalStep, 6);
  assertSameVal(header.history.at(-1)!.metrics, single);
  for (const name of ['train/loss', 'train/acc_top1']) assert.equal(ranks[1][name], ranks[0][name], `${name} differs between ranks`);
});

void test('an AbortSignal given to a fit that launches DDP workers stops every rank at one step; fit resolves aborted, no exit code', async () => {
  const root = await makeColourFolder(6);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ct-ddp-abort-'));
  try {
    const abortChild = path.join(path.dirname(fileURLToPath(import.meta.url)), 'trainer-ddp-abort-child.ts');
    const out = spawnSync(process.execPath, ['--import', 'tsx', abortChild, root, dir], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(out.status, 0, out.stderr);
    const line = out.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line !== undefined, out.stdout + out.stderr);
    const result = JSON.parse(line.slice('RESULT '.length)) as { stopReason: string; exitCode: number };
    assert.equal(result.stopReason, 'aborted');
    assert.equal(result.exitCode, 0, 'the caller stopped it, not a signal to the process');
    assert.ok(existsSync(path.join(dir, 'checkpoints', 'last.ckpt')));
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
