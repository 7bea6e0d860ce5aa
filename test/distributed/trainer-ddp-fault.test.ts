/**
 * Faults of a data-parallel fit through the Trainer (2 Gloo ranks, started by
 * the Trainer's own launcher): a rank killed mid-fit ends the run with an
 * error naming it within `distributedTimeout`; an error every rank hits is
 * printed once, not once per rank; SIGINT to the launcher stops every rank at
 * the same step, rank 0 saves last.ckpt once, the launcher exits 130, and the
 * run resumes from that checkpoint to its end.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCheckpointHeader } from '../../src/training/checkpoint/checkpoint-io.js';
import { makeColourFolder } from '../integration/trainer-fixtures.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'trainer-ddp-fault-child.ts');
const timeoutMs = 4000; // the child's distributedTimeout

async function colourRoot(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

function runChild(root: string, mode: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', child, root, path.join(root, 'run'), mode], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

void test('a rank killed mid-fit ends the run with an error naming it, within distributedTimeout', async (t) => {
  const root = await colourRoot(t);
  const run = spawn(process.execPath, ['--import', 'tsx', child, root, path.join(root, 'run'), 'kill'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  run.stdout.on('data', (c: Buffer) => (out += c.toString()));
  run.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
  const ended = Date.now();
  const died = /DYING (\d+)/.exec(out);
  assert.ok(died, out);
  assert.notEqual(code, 0, out);
  assert.match(out, /launcher: expected all 2 ranks to exit with 0, but rank 1 was killed by SIGKILL/);
  assert.ok(ended - Number(died[1]) < timeoutMs + 1500, `the run ended ${ended - Number(died[1])} ms after rank 1 died`);
});

void test('an error every rank hits is printed once, not once per rank', async (t) => {
  const root = await colourRoot(t);
  const run = runChild(root, 'bad-data');
  assert.notEqual(run.status, 0, run.stdout + run.stderr);
  const message = /^\w*Error: (data.*)$/m.exec(run.stderr);
  assert.ok(message, run.stderr);
  const count = run.stderr.split(message[1]).length - 1;
  assert.equal(count, 1, `printed ${count} times:\n${run.stderr}`);
});

void test('SIGINT to the launcher: every rank stops, last.ckpt is saved once, exit 130, and the run resumes to its end', async (t) => {
  const root = await colourRoot(t);
  const dir = path.join(root, 'run');
  const run = spawn(process.execPath, ['--import', 'tsx', child, root, dir, 'slow'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  run.stderr.on('data', (c: Buffer) => (out += c.toString()));
  run.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (/STEP 2\b/.test(out) && run.exitCode === null && !run.killed) run.kill('SIGINT');
  });
  const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
  assert.equal(code, 130, out);
  assert.equal(out.match(/SIGINT received: finishing the current step/g)?.length, 1, out);
  const header = readCheckpointHeader(path.join(dir, 'checkpoints', 'last.ckpt'));
  // 3 steps per epoch, 9 in all: stopped early, at a step boundary the checkpoint records.
  assert.ok(header.globalStep >= 2 && header.globalStep < 9, `stopped at step ${header.globalStep}`);
  assert.equal(header.epoch * 3 + header.batchInEpoch, header.globalStep);
  assert.deepEqual(
    readdirSync(path.join(dir, 'checkpoints')).filter((n) => n.includes('last')),
    ['last.ckpt'],
  );

  const resumed = runChild(root, 'resume');
  assert.equal(resumed.status, 0, resumed.stdout + resumed.stderr);
  assert.equal(readCheckpointHeader(path.join(dir, 'checkpoints', 'last.ckpt')).globalStep, 9);
});
