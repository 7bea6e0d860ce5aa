import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ImageClassificationDataModule } from '../data/datamodule.js';
import type { ImageDataset } from '../data/dataset.js';
import { registry } from '../registry.js';
import * as torch from '../torch/index.js';
import { fakeTrainer, tinyModule } from '../training/callbacks/fake-trainer.test-helper.js';
import { Analysis } from './analysis-callback.js';
import { analysisFiles } from './analysis-files.js';

const classes = ['cat', 'dog', 'owl'];
const val: ImageDataset = {
  length: 4,
  classes,
  targets: Int32Array.of(0, 1, 2, 2),
  source: () => ({ data: Buffer.alloc(12, 90), width: 2, height: 2, channels: 3 }),
  describe: (i) => `idx:val#${i}`,
};

/** One validation pass of four samples whose logits favour `predicted`. */
function validate(callback: Analysis, trainer: ReturnType<typeof fakeTrainer>, predicted: number[]): void {
  const module = tinyModule();
  callback.onValidationEpochStart(trainer, module);
  for (const [b, indices] of [
    [0, [0, 1]],
    [1, [2, 3]],
  ] as const) {
    torch.tidy(() => {
      const logits = torch.tensor(
        indices.flatMap((i) => [0, 1, 2].map((c) => (c === predicted[i] ? 3 : 0))),
        { shape: [2, 3] },
      );
      const labels = torch.tensor(
        indices.map((i) => val.targets[i]),
        { dtype: 'int64' },
      );
      callback.onValidationBatchEnd(trainer, module, {
        batch: { images: torch.zeros([2, 3, 2, 2]), labels, indices: [...indices] },
        batchIdx: b,
        logits,
      });
    });
  }
  module.dispose();
}

test('Analysis analyses the last validation pass at fit end; the sanity check is left out', async () => {
  const runDir = await mkdtemp(path.join(tmpdir(), 'analysis-callback-'));
  try {
    const dataModule = { val, idxToClass: classes } as unknown as ImageClassificationDataModule;
    const trainer = fakeTrainer({ runDir, dataModule });
    const callback = registry.build<Analysis>('callback', 'analysis', { topK: 2 });
    validate(callback, trainer, [1, 0, 0, 0]); // epoch 0: all wrong
    validate(callback, trainer, [0, 1, 2, 0]); // the last pass: one owl taken for a cat
    // Batches of a sanity check (or of any pass outside fit) reach neither the collected pass nor a new one.
    trainer.sanityChecking = true;
    validate(callback, trainer, [2, 2, 2, 2]);
    trainer.sanityChecking = false;
    const module = tinyModule();
    await callback.onFitEnd(trainer, module);
    module.dispose();
    const summary = JSON.parse(await readFile(path.join(runDir, analysisFiles.dir, analysisFiles.summary), 'utf8')) as {
      accuracy: number;
      confusedPairs: { trueClass: string; predicted: string; count: number }[];
      topLosses: { path: string; image: string | null }[];
    };
    assert.equal(summary.accuracy, 0.75);
    assert.deepEqual(summary.confusedPairs, [{ trueClass: 'owl', predicted: 'cat', count: 1, share: 0.5 }]);
    assert.equal(summary.topLosses[0].path, 'idx:val#3');
    assert.equal(summary.topLosses[0].image, 'top_losses/0.png');
    assert.match(trainer.printed.join('\n'), /val: 4 samples, accuracy 75\.0%/);
    assert.match(await readFile(path.join(runDir, 'report.html'), 'utf8'), /<h2 id="analysis">Analysis<\/h2>/);
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
});

test('Analysis skips a run without a validation split, with a log line and no files', async () => {
  const runDir = await mkdtemp(path.join(tmpdir(), 'analysis-callback-'));
  try {
    const trainer = fakeTrainer({ runDir, dataModule: { val: null } as unknown as ImageClassificationDataModule });
    const module = tinyModule();
    await new Analysis().onFitEnd(trainer, module);
    module.dispose();
    assert.match(trainer.printed.join('\n'), /analysis: skipped/);
    assert.equal(existsSync(path.join(runDir, analysisFiles.dir)), false);
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
});
