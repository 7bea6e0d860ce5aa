/**
 * Fine-tuning through the Trainer on a tiny ResNet and generated images:
 * during the frozen epochs the backbone's weights and BatchNorm buffers stay
 * bitwise unchanged while the head trains; after unfreezing every layer
 * group trains at its own lr (as the LR monitor logs it); a run stopped in
 * the middle of the frozen phase and resumed ends bitwise where a straight
 * run ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ClassificationModule } from '../../src/models/classification-module.js';
import type { ClassificationOptionsInput } from '../../src/models/classification-options.js';
import { ResNet } from '../../src/models/resnet.js';
import { BasicBlock } from '../../src/models/resnet-blocks.js';
import * as torch from '../../src/torch/index.js';
import { Callback } from '../../src/training/callback.js';
import { LearningRateMonitor } from '../../src/training/callbacks/learning-rate-monitor.js';
import type { TrainerView } from '../../src/training/trainer-view.js';
import { Trainer } from '../../src/training/trainer.js';
import type { TrainerInput } from '../../src/training/trainer.js';
import { colourDataModule, makeColourFolder } from './trainer-fixtures.js';

const quiet: TrainerInput = { enableProgressBar: false, enableModelSummary: false, logger: false, numThreads: 1, seed: 7 };

/** A ResNet with one block per stage and the small stem (10x10 inputs): stem, four stages, head. */
function tinyResNetModule(options: Partial<ClassificationOptionsInput>, seed = 0): ClassificationModule {
  torch.manualSeed(seed);
  const backbone = new ResNet({ block: BasicBlock, layers: [1, 1, 1, 1], name: 'resnet10' }, { numClasses: 3, stem: 'small' });
  return new ClassificationModule(backbone, { numClasses: 3, optimizer: { lr: 0.01 }, ...options });
}

type Snapshot = Map<string, Buffer>;

/** Every parameter and buffer (BatchNorm running statistics and counts included), as bytes. */
function snapshot(module: ClassificationModule): Snapshot {
  const out: Snapshot = new Map();
  for (const [name, t] of Object.entries(module.stateDict({ keepVars: true }))) out.set(name, Buffer.from(t.data().buffer));
  return out;
}

function changed(a: Snapshot, b: Snapshot, which: (name: string) => boolean): string[] {
  return [...a.keys()].filter((name) => which(name) && !a.get(name)!.equals(b.get(name)!));
}

/** Records the weights at the start and after each epoch, and the lrs the monitor logged for each epoch. */
class Recorder extends Callback {
  readonly weights: Snapshot[] = [];
  readonly lrs: Record<string, number>[] = [];
  constructor(readonly monitor: LearningRateMonitor) {
    super();
  }
  override onTrainStart(_trainer: TrainerView, module: ClassificationModule): void {
    this.weights.push(snapshot(module));
  }
  override onTrainEpochEnd(_trainer: TrainerView, module: ClassificationModule): void {
    this.weights.push(snapshot(module));
    this.lrs.push({ ...this.monitor.lastValues });
  }
}

const isHead = (name: string): boolean => name.startsWith('backbone.fc.');

void test('frozen epochs leave the backbone (weights and BatchNorm buffers) bitwise unchanged; then every group trains at its lr', async (t) => {
  const root = await makeColourFolder(4);
  t.after(() => rm(root, { recursive: true, force: true }));
  const monitor = new LearningRateMonitor({ loggingInterval: 'epoch' });
  const recorder = new Recorder(monitor);
  const module = tinyResNetModule({ scheduler: { name: 'none' }, finetune: { freezeEpochs: 2, layerDecay: 0.5, backboneLrScale: 0.8 } });
  const trainer = new Trainer({ ...quiet, maxEpochs: 3, defaultRootDir: path.join(root, 'run'), callbacks: [monitor, recorder] });
  trainer.setPrinter(() => undefined);
  const dm = colourDataModule(root);
  await trainer.fit(module, dm);
  await dm.close();
  const [start, afterEpoch0, afterEpoch1, afterEpoch2] = recorder.weights;
  const backbone = (name: string): boolean => !isHead(name);
  assert.ok(start.has('backbone.bn1.running_mean') && start.has('backbone.layer4.0.bn2.num_batches_tracked'));
  assert.deepEqual(changed(start, afterEpoch0, backbone), [], 'epoch 0 is frozen');
  assert.deepEqual(changed(start, afterEpoch1, backbone), [], 'epoch 1 is frozen');
  assert.deepEqual(changed(start, afterEpoch0, isHead).sort(), ['backbone.fc.bias', 'backbone.fc.weight']);
  assert.deepEqual(changed(afterEpoch0, afterEpoch1, isHead).sort(), ['backbone.fc.bias', 'backbone.fc.weight']);
  // Unfrozen: every backbone parameter and running statistic moves.
  const still = [...afterEpoch1.keys()].filter((n) => backbone(n) && afterEpoch1.get(n)!.equals(afterEpoch2.get(n)!));
  assert.deepEqual(still, []);
  // The LR monitor logs one lr per layer group: the head's lr, group i of 5 at lr × 0.8 × 0.5^(5 − i).
  const expected: Record<string, number> = { 'lr-AdamW/head': 0.01 };
  for (let i = 0; i < 5; i++) expected[`lr-AdamW/group${i}`] = 0.01 * 0.8 * 0.5 ** (5 - i);
  for (const lrs of recorder.lrs) {
    assert.deepEqual(Object.keys(lrs).sort(), Object.keys(expected).sort());
    for (const [name, lr] of Object.entries(expected)) assert.ok(Math.abs(lrs[name] - lr) < 1e-15, `${name}: ${lrs[name]} vs ${lr}`);
  }
  module.dispose();
});

const finetune = { freezeEpochs: 2, layerDecay: 0.75, trainBatchNormWhenFrozen: false };
const schedule = { name: 'warmup_cosine', warmupEpochs: 1, interval: 'step' };

async function fitTo(root: string, dir: string, extra: TrainerInput, seed: number, ckptPath?: string): Promise<Snapshot> {
  const dm = colourDataModule(root);
  const module = tinyResNetModule({ scheduler: schedule, finetune }, seed);
  const trainer = new Trainer({ ...quiet, maxEpochs: 3, defaultRootDir: dir, ...extra });
  await trainer.fit(module, dm, ckptPath === undefined ? {} : { ckptPath });
  await dm.close();
  const weights = snapshot(module);
  module.dispose();
  return weights;
}

void test('a run stopped in the middle of the frozen phase and resumed ends bitwise equal to a straight run', async (t) => {
  const root = await makeColourFolder(4);
  t.after(() => rm(root, { recursive: true, force: true }));
  const straight = await fitTo(root, path.join(root, 'straight'), {}, 0);
  const dir = path.join(root, 'resumed');
  // 9 train images, batch 4: 3 steps per epoch; step 4 is in the middle of epoch 1, the second frozen epoch.
  await fitTo(root, dir, { maxSteps: 4 }, 0);
  const resumed = await fitTo(root, dir, {}, 1234, 'last'); // other initial weights: all must come from the checkpoint
  assert.deepEqual([...resumed.keys()], [...straight.keys()]);
  assert.deepEqual(
    changed(straight, resumed, () => true),
    [],
  );
});
