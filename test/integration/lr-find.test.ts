/**
 * The LR finder on a tiny task: a linear classifier of noisy colour images
 * trained with plain SGD, where lr 1 diverges and 1e-6 barely moves. The
 * suggestion lies between and trains well; the plot and the JSON are
 * written; the sweep leaves the module, the random generator and a
 * following fit exactly as they were; a diverging sweep stops early.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { ConfigError, TrainingError } from '../../src/errors.js';
import { ClassificationModule } from '../../src/models/classification-module.js';
import * as torch from '../../src/torch/index.js';
import { Flatten, Linear, Sequential } from '../../src/torch/nn/index.js';
import { Trainer } from '../../src/training/trainer.js';
import type { TrainerInput } from '../../src/training/trainer.js';
import { lrFind } from '../../src/training/tuning/lr-find.js';
import { saveLrFind } from '../../src/training/tuning/save-lr-find.js';
import { colourDataModule, makeColourFolder, tinyCnn } from './trainer-fixtures.js';

torch.setNumThreads(1);
const quiet = {
  logger: false,
  enableProgressBar: false,
  enableCheckpointing: false,
  enableModelSummary: false,
  numThreads: 1,
  seed: 1,
} as const;
const trainer = (options: TrainerInput = {}) => new Trainer({ ...quiet, ...options });

/** Flattened 10x10 crops into one linear layer: no normalisation layer to absorb a too-large step. */
function linearModule(lr = 0.01): ClassificationModule {
  torch.manualSeed(0);
  return new ClassificationModule(new Sequential(new Flatten(), new Linear(300, 3)), {
    numClasses: 3,
    optimizer: { name: 'sgd', lr, momentum: 0, weightDecay: 0 },
    scheduler: { name: 'none' },
  });
}

const root = await makeColourFolder(32);
const dm = colourDataModule(root, { batchSize: 8 });
await dm.setup('fit');
test.after(async () => {
  await dm.close();
  await rm(root, { recursive: true, force: true });
});

async function valLoss(module: ClassificationModule): Promise<number> {
  const [metrics] = await trainer().validate(module, dm);
  return metrics['val/loss'];
}

/** The val loss after `steps` steps of plain SGD at `lr`, from the same start. */
async function lossAfter(lr: number, steps: number): Promise<number> {
  const module = linearModule(lr);
  await trainer({ maxSteps: steps, limitValBatches: 0, numSanityValSteps: 0 }).fit(module, dm);
  return valLoss(module);
}

void test('on a task where lr 1 diverges and 1e-6 barely moves, the suggestion lies between and trains well', async (t) => {
  const start = await valLoss(linearModule());
  const [tiny, huge] = [await lossAfter(1e-6, 20), await lossAfter(1, 20)];
  t.diagnostic(`val loss ${start}; after 20 steps at lr 1e-6: ${tiny}, at lr 1: ${huge}`);
  assert.ok(Math.abs(tiny - start) < 0.01 * start, `lr 1e-6 moved the loss from ${start} to ${tiny}`);
  assert.ok(!(huge < 2 * start), `lr 1 took the loss from ${start} to ${huge}`);

  const module = linearModule();
  const result = await lrFind(trainer(), module, dm, { minLr: 1e-6, maxLr: 1, numSteps: 60 });
  assert.equal(result.failure, null);
  const lr = result.suggestion!;
  t.diagnostic(`suggested lr ${lr} (${result.stopReason}, ${result.lrs.length} steps)`);
  assert.ok(lr > 1e-6 && lr < 1, `suggested ${lr}`);
  // Decades inside the range, not at its edges.
  assert.ok(lr > 1e-4 && lr < 0.1, `suggested ${lr}`);
  assert.equal(result.lrs.length, 60);
  assert.ok(Math.abs(result.lrs[0] - 1e-6) < 1e-18 && Math.abs(result.lrs[59] - 1) < 1e-12);

  const trained = linearModule(lr);
  await trainer({ maxEpochs: 3, numSanityValSteps: 0 }).fit(trained, dm);
  const after = await valLoss(trained);
  t.diagnostic(`val loss after 3 epochs at the suggestion: ${after}`);
  assert.ok(after < 0.6 * start, `3 epochs at ${lr} took the val loss from ${start} to ${after}`);
});

void test('the plot is a PNG that decodes and the JSON holds the curve and the override line', async (t) => {
  const result = await lrFind(trainer(), linearModule(), dm, { minLr: 1e-6, maxLr: 1, numSteps: 30 });
  const dir = path.join(root, 'find');
  t.after(() => rm(dir, { recursive: true, force: true }));
  const files = await saveLrFind(result, dir);
  const meta = await sharp(files.plot).metadata();
  assert.equal(meta.format, 'png');
  assert.deepEqual([meta.width, meta.height], [960, 600]);
  const stats = await sharp(files.plot).stats();
  // Not a blank canvas: the curve and the labels are drawn.
  assert.ok(stats.channels[0].min < 100, `darkest red ${stats.channels[0].min}`);
  const json = JSON.parse(readFileSync(files.json, 'utf8')) as { override: string; suggestion: number; points: { lr: number }[] };
  assert.equal(json.points.length, result.lrs.length);
  assert.equal(json.suggestion, result.suggestion);
  assert.match(json.override, /^optimizer\.lr=\d/);
  assert.ok(Math.abs(Number(json.override.split('=')[1]) / json.suggestion - 1) < 0.005);
});

void test('the sweep leaves the weights, BatchNorm statistics, mode, RNG and a following fit as they were', async () => {
  const before = tinyCnn({ scheduler: { name: 'none' } }, 4);
  const values = (m: ClassificationModule) => Object.entries(m.stateDict()).map(([k, v]) => [k, [...v.data()]] as const);
  const saved = values(before);
  before.eval();
  const rng = torch.getRngState();
  const expected = [...torch.rand([4]).data()];
  torch.setRngState(rng);
  rng.dispose();
  const user = trainer({ maxEpochs: 1, numSanityValSteps: 0 });
  await lrFind(user, before, dm, { numSteps: 12, maxLr: 10 });
  assert.deepEqual(values(before), saved);
  assert.ok(saved.some(([k]) => k.endsWith('running_mean')));
  assert.equal(before.training, false);
  assert.deepEqual([...torch.rand([4]).data()], expected);
  assert.equal(user.optimizer, null);
  // A fit after the sweep ends where the same fit without it ends, bit for bit.
  await user.fit(before, dm);
  const fresh = tinyCnn({ scheduler: { name: 'none' } }, 4);
  await trainer({ maxEpochs: 1, numSanityValSteps: 0 }).fit(fresh, dm);
  assert.deepEqual(values(before), values(fresh));
});

void test('a diverging sweep stops early, once the smoothed loss passes 4x its best', async () => {
  const result = await lrFind(trainer(), linearModule(), dm, { minLr: 1e-3, maxLr: 1e4, numSteps: 60 });
  assert.equal(result.stopReason, 'diverged');
  assert.ok(result.lrs.length < 60, `${result.lrs.length} steps`);
  const last = result.smoothedLosses.at(-1)!;
  const best = Math.min(...result.smoothedLosses.filter(Number.isFinite));
  assert.ok(Number.isNaN(last) || last > 4 * best, `last ${last}, best ${best}`);
  assert.ok(result.smoothedLosses.slice(0, -1).every((v) => v <= 4 * best));
  assert.ok(result.suggestion === null || result.suggestion < result.lrs.at(-1)!);
});

void test('bad options and a data-parallel Trainer are refused before any step', async () => {
  const module = linearModule();
  await assert.rejects(
    lrFind(trainer(), module, dm, { numSteps: 2 }),
    (e: unknown) => e instanceof ConfigError && /lrFind\.numSteps/.test(e.message),
  );
  await assert.rejects(
    lrFind(trainer(), module, dm, { minLr: 1, maxLr: 0.1 }),
    /lrFind\.maxLr: expected a maxLr above minLr \(1\), but got 0\.1/,
  );
  await assert.rejects(lrFind(trainer(), module, dm, { maxlr: 1 } as never), /lrFind\.maxlr: unknown option/);
  await assert.rejects(
    lrFind(trainer({ strategy: 'ddp' }), module, dm),
    (e: unknown) => e instanceof TrainingError && /strategy 'ddp'/.test(e.message),
  );
});
