import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ImageClassificationDataModule } from '../../data/datamodule.js';
import type { ClassificationBatch } from '../../data/classification-batch.js';
import { registry } from '../../registry.js';
import { fakeTrainer, tinyModule } from './fake-trainer.test-helper.js';
import { SAMPLER_DISTRIBUTION_FILE, SamplerDistribution } from './sampler-distribution.js';
import type { SamplerDistributionFile } from './sampler-distribution.js';

// 8 samples: classes a a a a a b b c (the batch's images and labels are never read).
const train = { classes: ['a', 'b', 'c'], targets: Int32Array.of(0, 0, 0, 0, 0, 1, 1, 2) };
const dataModule = { train } as unknown as ImageClassificationDataModule;
const batch = (indices: number[] | undefined): { batch: ClassificationBatch; batchIdx: number } => ({
  batch: { images: null, labels: null, indices } as unknown as ClassificationBatch,
  batchIdx: 0,
});

async function withRunDir(fn: (runDir: string) => Promise<void>): Promise<void> {
  const runDir = await mkdtemp(path.join(tmpdir(), 'sampler-dist-'));
  try {
    await fn(runDir);
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

test('counts the drawn classes per epoch, logs the shares and writes the file', () =>
  withRunDir(async (runDir) => {
    const trainer = fakeTrainer({ runDir, dataModule });
    const module = tinyModule();
    const cb = registry.build<SamplerDistribution>('callback', 'sampler_distribution', {});
    cb.onTrainEpochStart(trainer);
    cb.onTrainBatchEnd(trainer, module, batch([0, 5, 7, 7])); // a b c c (with replacement)
    cb.onTrainBatchEnd(trainer, module, batch([6, 1]));
    await cb.onTrainEpochEnd(trainer);
    assert.deepEqual(
      trainer.logged.map((l) => [l.name, l.value, l.options?.onEpoch]),
      [
        ['sampler/a', 2 / 6, true],
        ['sampler/b', 2 / 6, true],
        ['sampler/c', 2 / 6, true],
      ],
    );
    trainer.currentEpoch = 1;
    cb.onTrainEpochStart(trainer);
    cb.onTrainBatchEnd(trainer, module, batch([0, 1, 2]));
    await cb.onTrainEpochEnd(trainer);
    const file = JSON.parse(await readFile(path.join(runDir, SAMPLER_DISTRIBUTION_FILE), 'utf8')) as SamplerDistributionFile;
    assert.deepEqual(file, {
      classes: ['a', 'b', 'c'],
      epochs: [
        { epoch: 0, total: 6, counts: { a: 2, b: 2, c: 2 } },
        { epoch: 1, total: 3, counts: { a: 3, b: 0, c: 0 } },
      ],
    });
  }));

test('the counts are checkpoint state: a run resumed mid-epoch keeps counting the same epoch', () =>
  withRunDir(async (runDir) => {
    const module = tinyModule();
    const first = new SamplerDistribution();
    const t1 = fakeTrainer({ runDir, dataModule });
    first.onTrainEpochStart(t1);
    first.onTrainBatchEnd(t1, module, batch([0, 1]));
    await first.onTrainEpochEnd(t1);
    t1.currentEpoch = 1;
    first.onTrainEpochStart(t1);
    first.onTrainBatchEnd(t1, module, batch([5]));
    const state = JSON.parse(JSON.stringify(first.stateDict())) as ReturnType<SamplerDistribution['stateDict']>;
    assert.deepEqual(state, { epochs: [{ epoch: 0, counts: [2, 0, 0] }], current: { epoch: 1, counts: [0, 1, 0] } });

    const resumed = new SamplerDistribution();
    resumed.loadStateDict(state);
    const t2 = fakeTrainer({ runDir, dataModule, currentEpoch: 1 });
    resumed.onTrainEpochStart(t2);
    resumed.onTrainBatchEnd(t2, module, batch([7]));
    await resumed.onTrainEpochEnd(t2);
    assert.deepEqual(resumed.epochs, [
      { epoch: 0, counts: [2, 0, 0] },
      { epoch: 1, counts: [0, 1, 1] },
    ]);

    // A state saved at an epoch's last batch, before its epoch end ran, is finished when the next epoch starts.
    const late = new SamplerDistribution();
    late.loadStateDict({ epochs: [], current: { epoch: 3, counts: [1, 1, 1] } });
    late.onTrainEpochStart(fakeTrainer({ dataModule, currentEpoch: 4 }));
    assert.deepEqual(late.epochs, [{ epoch: 3, counts: [1, 1, 1] }]);
    assert.deepEqual(late.current, { epoch: 4, counts: [0, 0, 0] });
  }));

test('batches without indices, or no data module: one warning, nothing counted', () => {
  const cb = new SamplerDistribution();
  const trainer = fakeTrainer({ dataModule });
  cb.onTrainEpochStart(trainer);
  cb.onTrainBatchEnd(trainer, tinyModule(), batch(undefined));
  cb.onTrainBatchEnd(trainer, tinyModule(), batch(undefined));
  assert.deepEqual(cb.current?.counts, [0, 0, 0]);
  assert.equal(trainer.printed.length, 1);
  assert.match(trainer.printed[0], /SamplerDistribution: expected batches with dataset indices/);
  const bare = fakeTrainer();
  new SamplerDistribution().onTrainBatchEnd(bare, tinyModule(), batch([0]));
  assert.match(bare.printed[0], /expected a data module with a train split/);
});
