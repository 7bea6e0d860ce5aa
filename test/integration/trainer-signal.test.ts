/**
 * SIGINT / SIGTERM during training: the current step finishes, last.ckpt is
 * written once (a second signal corrupts nothing), the logs are flushed, the
 * process exits 130 / 143, and resuming from that checkpoint ends with the
 * weights of a run that was never interrupted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpointHeader } from '../../src/training/checkpoint/checkpoint-io.js';
import { Trainer } from '../../src/training/trainer.js';
import type { TrainerInput } from '../../src/training/trainer.js';
import { colourDataModule, makeColourFolder, tinyCnn } from './trainer-fixtures.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'signal-child.ts');
const quiet: TrainerInput = { enableProgressBar: false, enableModelSummary: false, logger: false, numThreads: 2, seed: 11, maxEpochs: 4 };

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  void test(`${signal}: the step finishes, last.ckpt is saved once, exit ${code}, and the resumed run matches an uninterrupted one`, async (t) => {
    const root = await makeColourFolder();
    t.after(() => rm(root, { recursive: true, force: true }));
    const dir = path.join(root, 'run');
    const run = spawnSync(process.execPath, ['--import', 'tsx', child, root, dir, signal], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, code, run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, new RegExp(`${signal} received again`));
    const header = readCheckpointHeader(path.join(dir, 'checkpoints', 'last.ckpt'));
    // The signal arrives on the next turn of the event loop: the step after step 7 may still run.
    assert.ok(header.globalStep === 7 || header.globalStep === 8, `stopped at step ${header.globalStep}`);
    assert.deepEqual([header.epoch, header.batchInEpoch], [1, header.globalStep - 5]);
    const csv = readFileSync(path.join(dir, 'metrics.csv'), 'utf8');
    assert.match(csv, /train\/loss/);

    const dm = colourDataModule(root);
    const straight = tinyCnn();
    await new Trainer({ ...quiet, defaultRootDir: path.join(root, 'straight') }).fit(straight, dm);
    const resumed = tinyCnn({}, 99);
    await new Trainer({ ...quiet, defaultRootDir: dir }).fit(resumed, dm, { ckptPath: 'last' });
    const a = straight.stateDict({ keepVars: true });
    const b = resumed.stateDict({ keepVars: true });
    for (const name of Object.keys(a)) assert.ok(Buffer.from(a[name].data().buffer).equals(Buffer.from(b[name].data().buffer)), name);
  });
}
