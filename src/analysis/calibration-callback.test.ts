import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { fakeTrainer, tinyModule } from '../training/callbacks/fake-trainer.test-helper.js';
import { writeCheckpoint } from '../training/checkpoint/checkpoint-io.js';
import type { Checkpoint } from '../training/checkpoint/checkpoint.js';
import type { TrainerView } from '../training/trainer-view.js';
import { Calibration } from './calibration-callback.js';

/** A checkpoint with no tensors whose callback states rank by two monitors naming different best files. */
function twoRankings(): Checkpoint {
  const ranking = (monitor: string, best: string) => ({
    bestKModels: [],
    bestModelPath: best,
    bestModelScore: 1,
    lastModelPath: '',
    monitor,
    mode: 'min',
  });
  return {
    epoch: 1,
    seed: 0,
    globalStep: 2,
    batchInEpoch: 0,
    model: {},
    modelInfo: null,
    hparams: {},
    classes: null,
    labelsMapping: null,
    optimizer: null,
    scheduler: null,
    callbacks: { 'ModelCheckpoint{"monitor":"a"}': ranking('a', 'a.ckpt'), 'ModelCheckpoint{"monitor":"b"}': ranking('b', 'b.ckpt') },
    rngState: null,
    history: [],
    callbackMetrics: {},
    configFingerprint: null,
    config: null,
    extra: {},
    version: '0.1.0',
  };
}

void test('Calibration skips, with a line saying why, a run without val split, without checkpoints, or whose best is ambiguous', async () => {
  const runDir = mkdtempSync(path.join(tmpdir(), 'ct-calibration-'));
  const module = tinyModule();
  try {
    const withVal = { val: { length: 4 } } as unknown as TrainerView['dataModule'];
    const noVal = fakeTrainer({ runDir, dataModule: null });
    await new Calibration().onFitEnd(noVal, module);
    assert.match(noVal.printed.join('\n'), /Calibration: skipped, the run has no validation split/);

    const noCheckpoints = fakeTrainer({ runDir, dataModule: withVal });
    await new Calibration().onFitEnd(noCheckpoints, module);
    assert.match(noCheckpoints.printed.join('\n'), /Calibration: skipped, no checkpoint in .*checkpoints to store a temperature in/);

    writeCheckpoint(twoRankings(), path.join(runDir, 'checkpoints', 'last.ckpt'));
    const ambiguous = fakeTrainer({ runDir, dataModule: withVal });
    const calibration = new Calibration({ weights: ['best'] });
    await calibration.onFitEnd(ambiguous, module);
    assert.match(
      ambiguous.printed.join('\n'),
      /Calibration: skipped 'best' \(.*ranks by 2 monitors.*\); name them in callbacks\.calibration\.weights/,
    );
    assert.equal(calibration.results.size, 0);
    // A checkpoint whose model was not built by name cannot be rebuilt: skipped, not failed.
    const last = fakeTrainer({ runDir, dataModule: withVal });
    await new Calibration({ weights: ['last'] }).onFitEnd(last, module);
    assert.match(last.printed.join('\n'), /Calibration: skipped .*last\.ckpt, its model was not built by name/);
  } finally {
    module.dispose();
    rmSync(runDir, { recursive: true, force: true });
  }
});

void test('Calibration skips a fit stopped mid-epoch (a signal), not one stopped right after its validation (early stopping)', async () => {
  const runDir = mkdtempSync(path.join(tmpdir(), 'ct-calibration-'));
  const module = tinyModule();
  try {
    const withVal = { val: { length: 4 } } as unknown as TrainerView['dataModule'];
    const signalled = fakeTrainer({ runDir, dataModule: withVal, shouldStop: true, globalStep: 7 });
    const calibration = new Calibration();
    calibration.onValidationEnd(fakeTrainer({ globalStep: 5 }));
    await calibration.onFitEnd(signalled, module);
    assert.match(signalled.printed.join('\n'), /Calibration: skipped, the fit stopped mid-epoch/);
    const early = fakeTrainer({ runDir, dataModule: withVal, shouldStop: true, globalStep: 7 });
    calibration.onValidationEnd(fakeTrainer({ globalStep: 7 }));
    await calibration.onFitEnd(early, module);
    assert.match(early.printed.join('\n'), /Calibration: skipped, no checkpoint in/, 'it went on (to find no checkpoint here)');
  } finally {
    module.dispose();
    rmSync(runDir, { recursive: true, force: true });
  }
});

void test('Calibration refuses unknown options', () => {
  assert.throws(() => new Calibration({ weights: [] }), ConfigError);
  assert.throws(() => new Calibration({ bins: 3 } as never), ConfigError);
});
