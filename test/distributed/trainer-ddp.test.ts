/**
 * The Trainer with strategy 'ddp' on 2 CPU processes (Gloo): the launcher
 * starts the workers itself; each rank trains on its shard with averaged
 * gradients; only rank 0 writes metrics.csv and checkpoints; the validation
 * metrics rank 0 logged equal a single-process validation of the final weights.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpointHeader } from '../../src/training/checkpoint/checkpoint-io.js';
import { makeColourFolder } from '../integration/trainer-fixtures.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'trainer-ddp-child.ts');

void test('fit with strategy ddp on 2 processes: rank 0 writes, the logged val metrics equal a single-process validation', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  const run = spawnSync(process.execPath, ['--import', 'tsx', child, root, dir], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const result = /RESULT (.*)/.exec(run.stdout);
  assert.ok(result, run.stdout + run.stderr);
  const single = JSON.parse(result[1]) as Record<string, number>;
  const header = readCheckpointHeader(path.join(dir, 'checkpoints', 'last.ckpt'));
  // 18 train images over 2 ranks at batch 4: 9 each, 3 steps per epoch.
  assert.equal(header.globalStep, 6);
  const logged = header.history.at(-1)!.metrics;
  for (const name of ['val/loss', 'val/acc_top1', 'val/f1_macro'])
    assert.ok(Math.abs(logged[name] - single[name]) < 1e-6, `${name}: rank 0 logged ${logged[name]}, one process gives ${single[name]}`);
  assert.equal(readdirSync(dir).filter((n) => n.startsWith('events.out')).length, 1, 'only rank 0 writes event files');
});
