/**
 * A rank that dies ends the run with an error naming it, within a time
 * limit, never a hang: through the launcher (which stops the other ranks),
 * and without it (the surviving rank's collective fails on its own).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freePort, launchProcesses } from '../../src/training/strategies/launcher.js';
import { workerArgs } from './ddp-fixtures.js';

test('the launcher stops the others and names the rank that was killed', async () => {
  const outDir = await mkdtemp(path.join(tmpdir(), 'ct-ddp-'));
  const started = Date.now();
  await assert.rejects(
    launchProcesses({
      nprocs: 2,
      command: process.execPath,
      args: workerArgs('die', outDir),
      env: { OMP_NUM_THREADS: '1' },
      stdio: 'ignore',
      timeoutMs: 60_000,
    }),
    /rank 1 was killed by SIGKILL/,
  );
  assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
});

test('without a launcher, the surviving rank fails its collective within the group timeout', async () => {
  const outDir = await mkdtemp(path.join(tmpdir(), 'ct-ddp-'));
  const port = await freePort();
  const started = Date.now();
  const ranks = [0, 1].map((rank) => {
    const env = {
      ...process.env,
      OMP_NUM_THREADS: '1',
      DDP_TEST_TIMEOUT_MS: '5000',
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: String(port),
      WORLD_SIZE: '2',
      RANK: String(rank),
      LOCAL_RANK: String(rank),
    };
    const child = spawn(process.execPath, workerArgs('die', outDir), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, stderr })),
    );
  });
  const [survivor, killed] = await Promise.all(ranks);
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal(survivor.code, 1, survivor.stderr);
  assert.match(survivor.stderr, /ProcessGroupGloo\.allReduce: expected all 2 ranks to take part within 5000 ms \(this is rank 0\)/);
  assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
});
