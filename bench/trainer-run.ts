/**
 * One side of bench:trainer, run as its own process per round: ResNet18
 * (small stem, 1 channel) on Fashion-MNIST (Debian's package), batch 64,
 * either through `Trainer` with its default callbacks and loggers
 * (`--mode trainer`) or through a bare loop over the same module type, the
 * same loader (`dm.trainLoader({ seed })`) and the same optimizer and
 * scheduler (`module.configureOptimizers`) (`--mode bare`).
 *
 * Steady-state time is taken the same way on both sides: from the end of
 * train step `warmup` to the end of step `steps` (a callback's
 * `onTrainBatchEnd` on the Trainer side, the loop itself on the bare side).
 * The Trainer side also reports its one-off costs: fit start up to the first
 * batch (of which the model summary), and after the last batch (validation,
 * checkpoint writes).
 *
 * Usage: trainer-run.ts --mode trainer|bare --steps N --warmup K --val-batches V
 *          [--precision 32|bf16-mixed] [--memory-format auto|channelsLast|contiguous]
 *          [--threads 2] [--seed 0] [--lr 1e-3]
 * Prints one line: result={json}
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ImageClassificationDataModule } from '../src/data/datamodule.js';
import { ClassificationModule } from '../src/models/classification-module.js';
import { resnet18 } from '../src/models/resnet.js';
import * as torch from '../src/torch/index.js';
import { Callback } from '../src/training/callback.js';
import type { TrainerView } from '../src/training/trainer-view.js';
import { Trainer } from '../src/training/trainer.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'trainer' },
    steps: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '5' },
    'val-batches': { type: 'string', default: '4' },
    precision: { type: 'string', default: '32' },
    'memory-format': { type: 'string', default: 'auto' },
    threads: { type: 'string', default: '2' },
    seed: { type: 'string', default: '0' },
    lr: { type: 'string', default: '1e-3' },
  },
});
const mode = values.mode;
const steps = Number(values.steps);
const warmup = Number(values.warmup);
const valBatches = values['val-batches'] === 'all' ? null : Number(values['val-batches']);
const precision = values.precision as '32' | 'bf16-mixed';
const memoryFormat = values['memory-format'] as 'auto' | 'channelsLast' | 'contiguous';
const threads = Number(values.threads);
const seed = Number(values.seed);
const batchSize = 64;
/** User + system CPU time of this process so far, in ms. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
if (!(warmup >= 1 && warmup < steps)) throw new Error(`trainer-run: expected 1 <= --warmup < --steps, but got ${warmup} and ${steps}`);

/** Everything the result line carries. */
interface Result {
  mode: string;
  precision: string;
  channelsLast: boolean;
  msPerStep: number;
  /** CPU time of the whole process (every thread) per step: less sensitive to other jobs on a shared machine. */
  cpuMsPerStep: number;
  imgPerSec: number;
  fitStartMs?: number;
  modelSummaryMs?: number;
  validationMs?: number;
  checkpointMs?: number;
  checkpointWrites?: number;
  fitEndMs?: number;
  valTop1?: number;
  trainLoss?: number;
}

function makeModule(numClasses: number, classNames: string[]): ClassificationModule {
  torch.manualSeed(seed);
  return new ClassificationModule(resnet18({ numClasses, stem: 'small', inChannels: 1 }), {
    numClasses,
    classNames,
    optimizer: { lr: Number(values.lr) },
    scheduler: { warmupEpochs: 0.1, interval: 'step' },
  });
}

/** Timestamps of the Trainer's run, taken in hooks (this callback runs after the progress bar, before the summary and checkpointing). */
class StepClock extends Callback {
  marks: Record<string, number> = {};
  override onFitStart(): void {
    this.marks.fitStart = performance.now();
  }
  override onTrainStart(): void {
    this.marks.trainStart = performance.now();
  }
  override onTrainBatchStart(_t: TrainerView, _m: unknown, context: { batchIdx: number }): void {
    if (context.batchIdx === 0) this.marks.firstBatch = performance.now();
  }
  override onTrainBatchEnd(_t: TrainerView, _m: unknown, context: { batchIdx: number }): void {
    if (context.batchIdx + 1 === warmup) [this.marks.warm, this.marks.warmCpu] = [performance.now(), cpuMs()];
    if (context.batchIdx + 1 === steps) [this.marks.last, this.marks.lastCpu] = [performance.now(), cpuMs()];
  }
  override onValidationStart(trainer: TrainerView): void {
    if (!trainer.sanityChecking) this.marks.valStart = performance.now();
  }
  override onValidationEnd(trainer: TrainerView): void {
    if (!trainer.sanityChecking) this.marks.valEnd = performance.now();
  }
}

async function runTrainer(dm: ImageClassificationDataModule): Promise<Result> {
  const root = mkdtempSync(path.join(tmpdir(), 'bench-trainer-'));
  try {
    const clock = new StepClock();
    const trainer = new Trainer({
      maxEpochs: 1,
      limitTrainBatches: steps,
      limitValBatches: valBatches,
      numSanityValSteps: 0,
      numThreads: threads,
      precision,
      memoryFormat,
      seed,
      device: 'cpu',
      defaultRootDir: root,
      handleSignals: false,
      callbacks: [clock],
    });
    // Checkpoint writes, timed around the Trainer's own entry point (ModelCheckpoint calls it).
    let checkpointMs = 0;
    let checkpointWrites = 0;
    const save = trainer.saveCheckpoint.bind(trainer);
    trainer.saveCheckpoint = async (file: string) => {
      const t0 = performance.now();
      await save(file);
      checkpointMs += performance.now() - t0;
      checkpointWrites++;
    };
    const module = makeModule(dm.numClasses, [...dm.idxToClass]);
    const t0 = performance.now();
    await trainer.fit(module, dm);
    const end = performance.now();
    const m = clock.marks;
    const msPerStep = (m.last - m.warm) / (steps - warmup);
    const result: Result = {
      mode,
      precision,
      channelsLast: trainer.channelsLast,
      msPerStep,
      cpuMsPerStep: (m.lastCpu - m.warmCpu) / (steps - warmup),
      imgPerSec: (batchSize / msPerStep) * 1000,
      fitStartMs: m.firstBatch - t0,
      modelSummaryMs: m.trainStart - m.fitStart,
      validationMs: m.valEnd !== undefined ? m.valEnd - m.valStart : 0,
      checkpointMs,
      checkpointWrites,
      fitEndMs: end - m.last,
      valTop1: trainer.callbackMetrics['val/acc_top1'],
      trainLoss: trainer.callbackMetrics['train/loss'],
    };
    module.dispose();
    return result;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function runBare(dm: ImageClassificationDataModule): Promise<Result> {
  torch.setNumThreads(threads);
  const channelsLast = memoryFormat === 'channelsLast' || (memoryFormat === 'auto' && precision !== '32');
  const module = makeModule(dm.numClasses, [...dm.idxToClass]);
  if (channelsLast) module.to({ memoryFormat: 'channelsLast' });
  if (module.hparams.loss.useClassWeights) module.setClassWeights(dm.classWeights());
  const loader = dm.trainLoader({ seed, channelsLast });
  const { optimizer, scheduler, interval } = module.configureOptimizers({ maxEpochs: 1, stepsPerEpoch: steps });
  const forward = <T>(fn: () => T): T => (precision === '32' ? fn() : torch.autocast(fn, { device: 'cpu', dtype: 'bfloat16' }));
  module.train();
  let i = 0;
  let [warm, warmCpu, last, lastCpu] = [0, 0, 0, 0];
  for await (const batch of loader.epoch(0)) {
    torch.tidy(() => {
      const loss = forward(() => module.trainingStep(batch, i));
      loss.backward();
      optimizer.step();
      optimizer.zeroGrad();
    });
    torch.dispose([batch.images, batch.labels]);
    if (scheduler !== null && interval === 'step') (scheduler as { step(): void }).step();
    for (const e of module.takeLogs()) if (typeof e.value !== 'number') e.value.dispose();
    i++;
    if (i === warmup) [warm, warmCpu] = [performance.now(), cpuMs()];
    if (i === steps) {
      [last, lastCpu] = [performance.now(), cpuMs()];
      break;
    }
  }
  module.dispose();
  optimizer.dispose();
  const msPerStep = (last - warm) / (steps - warmup);
  const cpuMsPerStep = (lastCpu - warmCpu) / (steps - warmup);
  return { mode, precision, channelsLast, msPerStep, cpuMsPerStep, imgPerSec: (batchSize / msPerStep) * 1000 };
}

const dm = new ImageClassificationDataModule({ root: 'fashion-mnist', batchSize });
await dm.setup('fit');
const result = mode === 'bare' ? await runBare(dm) : await runTrainer(dm);
await dm.close();
console.log(`result=${JSON.stringify(result)}`);
