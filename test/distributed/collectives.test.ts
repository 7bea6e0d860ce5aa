/**
 * Two Gloo ranks on localhost: allreduce (each tensor summed on its own),
 * broadcast, allgather and barrier give the known values, also on
 * channels-last tensors, and a tensor with gaps is refused (the worker exits 1
 * on a mismatch, which fails the launch); metrics synced with `syncStates`
 * (sum and list states, uneven and empty shards) equal one process's.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { launchProcesses } from '../../src/training/strategies/launcher.js';
import { workerArgs } from './ddp-fixtures.js';

test('allreduce, broadcast, allgather and barrier across 2 processes', async () => {
  const outDir = await mkdtemp(path.join(tmpdir(), 'ct-ddp-'));
  const result = await launchProcesses({
    nprocs: 2,
    command: process.execPath,
    args: workerArgs('collectives', outDir),
    env: { OMP_NUM_THREADS: '1' },
    timeoutMs: 60_000,
  });
  assert.deepEqual(result.exitCodes, [0, 0]);
});

test('metric states synced over 2 processes with uneven (and empty) shards equal one process over the whole set', async () => {
  const outDir = await mkdtemp(path.join(tmpdir(), 'ct-ddp-'));
  const result = await launchProcesses({
    nprocs: 2,
    command: process.execPath,
    args: workerArgs('metrics', outDir),
    env: { OMP_NUM_THREADS: '1' },
    timeoutMs: 60_000,
  });
  assert.deepEqual(result.exitCodes, [0, 0]);
});
