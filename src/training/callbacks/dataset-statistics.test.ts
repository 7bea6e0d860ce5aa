import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ImageClassificationDataModule } from '../../data/datamodule.js';
import { registry } from '../../registry.js';
import { fakeTrainer } from './fake-trainer.test-helper.js';
import { DATASET_STATS_FILE, DatasetStatistics, datasetStatistics } from './dataset-statistics.js';
import type { DatasetStats } from './dataset-statistics.js';

const classes = ['cat', 'dog', 'fox'];
const split = (targets: number[]): { classes: string[]; targets: Int32Array } => ({ classes, targets: Int32Array.from(targets) });
const repeat = (counts: number[]): number[] => counts.flatMap((n, c) => new Array<number>(n).fill(c));

test('counts, totals and imbalance per split; unlabelled samples are not counted', () => {
  const stats = datasetStatistics({ train: split([...repeat([6, 3, 2]), -1]), val: split(repeat([2, 1, 1])), test: null });
  assert.deepEqual(Object.keys(stats.splits), ['train', 'val']);
  assert.deepEqual(stats.splits.train, { counts: { cat: 6, dog: 3, fox: 2 }, total: 11, imbalanceRatio: 3, emptyClasses: [] });
  assert.equal(stats.splits.val.imbalanceRatio, 2);
  assert.deepEqual(stats.warnings, []);
});

test('warns when max/min exceeds the ratio or a class is empty', () => {
  const stats = datasetStatistics({ train: split(repeat([11, 1, 5])), val: split(repeat([3, 0, 1])) });
  assert.equal(stats.warnings.length, 2);
  assert.match(stats.warnings[0], /at most 10 in train, but got 11\.0 \(cat: 11, dog: 1\)/);
  assert.match(stats.warnings[1], /every class in val, but got none of dog/);
  assert.equal(stats.splits.val.imbalanceRatio, null);
  assert.deepEqual(datasetStatistics({ train: split(repeat([10, 1, 5])) }).warnings, [], 'a ratio of exactly 10 is fine');
});

test('at fit start: a table through trainer.print and dataset_stats.json in the run directory', async () => {
  const runDir = await mkdtemp(path.join(tmpdir(), 'dataset-stats-'));
  try {
    const dataModule = { train: split(repeat([40, 2, 8])), val: split(repeat([4, 1, 0])), test: null };
    const trainer = fakeTrainer({
      runDir: path.join(runDir, 'nested'),
      dataModule: dataModule as unknown as ImageClassificationDataModule,
    });
    const callback = registry.build<DatasetStatistics>('callback', 'dataset_statistics', {});
    await callback.onFitStart(trainer);
    const written = JSON.parse(await readFile(path.join(runDir, 'nested', DATASET_STATS_FILE), 'utf8')) as DatasetStats;
    assert.deepEqual(written.classes, classes);
    assert.deepEqual(written.splits.train.counts, { cat: 40, dog: 2, fox: 8 });
    assert.deepEqual(written.splits.val.emptyClasses, ['fox']);
    assert.equal(written.warnings.length, 2);
    const [table, ...warnings] = trainer.printed;
    assert.match(table, /^class +\| +train \| +val$/m);
    assert.match(table, /^cat +\| 40 \(80\.0%\) \| 4 \(80\.0%\)$/m);
    assert.match(table, /^max\/min \| +20\.00 \| +inf$/m);
    assert.deepEqual(warnings, written.warnings);
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
});

test('nothing without a data module', async () => {
  const trainer = fakeTrainer();
  const callback = new DatasetStatistics();
  await callback.onFitStart(trainer);
  assert.equal(callback.stats, null);
  assert.equal(trainer.printed.length, 0);
  assert.throws(() => new DatasetStatistics({ maxImbalanceRatio: 0 }), /DatasetStatistics: expected valid options/);
});
