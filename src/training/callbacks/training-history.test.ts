import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { EpochRecord } from '../trainer-view.js';
import { registry } from '../../registry.js';
import { fakeTrainer } from './fake-trainer.test-helper.js';
import { TrainingHistory } from './training-history.js';

function record(epoch: number): EpochRecord {
  return {
    epoch,
    step: (epoch + 1) * 10,
    metrics: {
      'train/loss': 1 / (epoch + 1),
      'val/loss': 1.2 / (epoch + 1),
      'train/acc_top1': 0.5 + epoch / 10,
      'val/acc_top1': 0.4 + epoch / 10,
    },
  };
}

test('TrainingHistory draws curves_loss.png and curves_accuracy.png, and redraws only when the history grows', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'history-'));
  try {
    const history: EpochRecord[] = [];
    const trainer = fakeTrainer({ runDir, history });
    const callback = new TrainingHistory();
    await callback.onTrainEpochEnd(trainer);
    await assert.rejects(stat(join(runDir, 'plots')), { code: 'ENOENT' }, 'no history: no plot');

    history.push(record(0));
    await callback.onTrainEpochEnd(trainer);
    assert.deepEqual((await readdir(join(runDir, 'plots'))).sort(), ['curves_accuracy.png', 'curves_loss.png']);
    for (const name of ['curves_accuracy.png', 'curves_loss.png']) {
      const meta = await sharp(join(runDir, 'plots', name)).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['png', 960, 600]);
    }
    const first = (await stat(join(runDir, 'plots', 'curves_loss.png'))).mtimeMs;

    await new Promise((resolve) => setTimeout(resolve, 20));
    await callback.onFitEnd(trainer);
    assert.equal((await stat(join(runDir, 'plots', 'curves_loss.png'))).mtimeMs, first, 'unchanged history: not redrawn');

    history.push({ ...record(1), metrics: { ...record(1).metrics, 'lr-AdamW': 1e-3 } });
    await callback.onValidationEnd(trainer);
    assert.ok((await stat(join(runDir, 'plots', 'curves_loss.png'))).mtimeMs > first);
    await stat(join(runDir, 'plots', 'curves_lr.png'));
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
});

test('TrainingHistory writes nothing off global zero', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'history-'));
  try {
    await new TrainingHistory().onFitEnd(fakeTrainer({ runDir, history: [record(0)], isGlobalZero: false }));
    await assert.rejects(stat(join(runDir, 'plots')), { code: 'ENOENT' });
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
});

test('TrainingHistory is registered with its options schema', () => {
  assert.equal(registry.build<TrainingHistory>('callback', 'training_history', { x: 'step' }).options.x, 'step');
  assert.throws(() => registry.build('callback', 'training_history', { x: 'time' }), /callback\.training_history\.x/);
});
