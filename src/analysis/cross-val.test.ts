import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { colourDataModule, makeColourFolder, tinyCnn } from '../../test/integration/trainer-fixtures.js';
import type { ImageClassificationDataModule } from '../data/datamodule.js';
import type { Subset } from '../data/dataset.js';
import * as torch from '../torch/index.js';
import { Trainer, parseTrainerOptions } from '../training/index.js';
import { crossValPredictions, stratifiedFolds } from './cross-val.js';
import type { CrossValPlan, FoldBuilder } from './cross-val.js';

test('stratifiedFolds: a partition whose folds hold each class in proportion, the same for the same seed', () => {
  const targets = [...Array(30).fill(0), ...Array(12).fill(1), ...Array(5).fill(2)] as number[];
  const folds = stratifiedFolds({ targets, folds: 3, seed: 7 });
  assert.deepEqual(
    folds.flat().sort((a, b) => a - b),
    targets.map((_, i) => i),
  );
  for (const fold of folds) {
    const count = (c: number) => fold.filter((i) => targets[i] === c).length;
    assert.equal(count(0), 10);
    assert.equal(count(1), 4);
    assert.ok(count(2) >= 1 && count(2) <= 2, `class 2: ${count(2)}`);
  }
  assert.deepEqual(stratifiedFolds({ targets, folds: 3, seed: 7 }), folds);
  assert.notDeepEqual(stratifiedFolds({ targets, folds: 3, seed: 8 }), folds);
});

test('stratifiedFolds: refuses fewer than 2 folds, or more folds than samples', () => {
  assert.throws(() => stratifiedFolds({ targets: [0, 1, 0], folds: 1, seed: 0 }), {
    name: 'ConfigError',
    message: 'cross-val: expected a fold count between 2 and the 3 training samples, but got 1',
  });
  assert.throws(() => stratifiedFolds({ targets: [0, 1, 0], folds: 4, seed: 0 }), /between 2 and the 3/);
});

let root = '';
before(async () => {
  torch.setNumThreads(1);
  root = await makeColourFolder(8);
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Builds each fold's tiny CNN and Trainer from the plan's trainer options, recording what each fold trained on. */
const trainers: Trainer[] = [];
function recordingBuilder(runDir: string, seen: { train: number[]; seed: number | null }[]): FoldBuilder<CrossValPlan> {
  return {
    buildModule: (plan, dm) => {
      seen.push({ train: [...(dm.train as Subset).indices], seed: plan.trainer.seed });
      return tinyCnn({ numClasses: 3 }, plan.trainer.seed ?? 0);
    },
    // As run-builder's buildTrainer: the plan's (emptied) callbacks and logging sections, its trainer options.
    buildTrainer: (plan) => {
      assert.deepEqual([plan.callbacks, plan.logging], [{}, {}]);
      const trainer = new Trainer({ ...plan.trainer, defaultRootDir: runDir, callbacks: [], logger: [] });
      trainers.push(trainer);
      return trainer;
    },
  };
}

async function run(dm: ImageClassificationDataModule, runDir: string, seen: { train: number[]; seed: number | null }[]) {
  const plan = {
    trainer: parseTrainerOptions({ maxEpochs: 5, seed: 11, numThreads: 1, profiler: 'simple' }),
    callbacks: { ModelCheckpoint: {} },
    logging: { csv: {} },
  };
  return crossValPredictions({ plan, dataModule: dm, folds: 3, epochs: 2, builder: recordingBuilder(runDir, seen) });
}

test('crossValPredictions: every training sample is predicted by a model that never trained on it, quietly and reproducibly', async () => {
  const runDir = path.join(root, 'run');
  const dm = colourDataModule(root, { valFraction: 0, seed: 5 });
  await dm.setup('fit');
  const full = dm.train!;
  const seen: { train: number[]; seed: number | null }[] = [];
  const liveBefore = torch.memory().liveTensors;
  const { predictions: p, foldOf, dataset } = await run(dm, runDir, seen);
  assert.equal(torch.memory().liveTensors, liveBefore, 'every fold model, optimizer and batch freed');
  assert.equal(dataset, full);
  assert.equal(dm.train, full, 'the data module gets its train split back');
  assert.equal(dm.val, null);
  assert.equal(seen.length, 3);
  assert.deepEqual(
    trainers.map((t) => t.currentEpoch),
    [1, 1, 1],
    'epochs: 2 replaces trainer.maxEpochs (5): each fold ends in its second epoch',
  );
  assert.deepEqual(
    seen.map((s) => s.seed),
    [11, 12, 13],
  );
  for (const [f, s] of seen.entries()) {
    const held = [...foldOf.keys()].filter((i) => foldOf[i] === f);
    for (const c of [0, 1, 2]) {
      const count = held.filter((i) => full.targets[i] === c).length;
      assert.ok(count === 2 || count === 3, `fold ${f} holds ${count} of class ${c}'s 8`);
    }
    assert.deepEqual(
      [...s.train, ...held].sort((a, b) => a - b),
      [...foldOf.keys()],
      `fold ${f}: trained on exactly the others`,
    );
  }
  const n = full.length;
  assert.equal(p.probs.length, n * 3);
  assert.deepEqual([...p.targets], [...full.targets]);
  assert.deepEqual(
    p.paths,
    [...Array(n).keys()].map((i) => full.describe(i)),
  );
  for (let i = 0; i < n; i++) {
    const row = p.probs.subarray(i * 3, i * 3 + 3);
    assert.ok(Math.abs(row[0] + row[1] + row[2] - 1) < 1e-5, `row ${i} sums to 1`);
    assert.ok(Math.abs(p.losses[i] + Math.log(row[p.targets[i]])) < 1e-4, `loss ${i}`);
  }
  assert.equal(existsSync(runDir), false, 'no run dir, checkpoint or log written');
  const again = await run(dm, runDir, []);
  assert.deepEqual(again.predictions.probs, p.probs, 'seeded: the same probabilities twice');
  await dm.close();
});

test('crossValPredictions: refuses a non-positive epoch count', async () => {
  const dm = colourDataModule(root, { valFraction: 0 });
  const plan = { trainer: parseTrainerOptions({}) };
  await assert.rejects(crossValPredictions({ plan, dataModule: dm, folds: 2, epochs: 0, builder: recordingBuilder(root, []) }), {
    message: 'cross-val: expected a positive integer of epochs, but got 0',
  });
});
