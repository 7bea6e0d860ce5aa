/**
 * The Trainer embedded in a long-lived program (a web server, an Electron
 * app, a notebook): `fit` stops on an AbortSignal and resolves with why,
 * progress comes as typed events (listeners and a bounded async iterator),
 * the event loop stays responsive while training, and one Trainer after
 * another leaves no live tensors and no handles behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as torch from '../../src/torch/index.js';
import { Callback } from '../../src/training/callback.js';
import { readCheckpointHeader } from '../../src/training/checkpoint/checkpoint-io.js';
import { Trainer } from '../../src/training/trainer.js';
import type { TrainerEvent, TrainerInput } from '../../src/training/trainer.js';
import type { TrainerView } from '../../src/training/trainer-view.js';
import { colourDataModule, makeColourFolder, tinyCnn } from './trainer-fixtures.js';

const quiet: TrainerInput = { enableProgressBar: false, enableModelSummary: false, logger: false, numThreads: 1, seed: 5 };

/** Counts checkpoint writes by the Trainer (the checkpoint callback's `last.ckpt` among them). */
class CountSaves extends Callback {
  saves: number[] = [];
  override onSaveCheckpoint(trainer: TrainerView): void {
    this.saves.push(trainer.globalStep);
  }
}

void test('an AbortSignal stops fit after the current step: last.ckpt once, resolved as aborted, the process untouched', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const dm = colourDataModule(root);
  t.after(() => dm.close());
  const controller = new AbortController();
  const saves = new CountSaves();
  // minEpochs: a stop request waits for it, an abort (as a signal) does not.
  const trainer = new Trainer({ ...quiet, maxEpochs: 4, minEpochs: 4, defaultRootDir: path.join(root, 'run'), callbacks: [saves] });
  // Aborted twice, mid-epoch, from a listener (the way a server's request handler would).
  trainer.on('batchEnd', (e) => {
    if (e.step === 3) {
      controller.abort();
      controller.abort();
    }
  });
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  t.after(() => process.off('unhandledRejection', onRejection));
  const exitCode = process.exitCode;
  const result = await trainer.fit(tinyCnn(), dm, { signal: controller.signal });
  assert.equal(result.stopReason, 'aborted');
  assert.equal(result.globalStep, 3);
  assert.deepEqual(saves.saves, [3], 'last.ckpt is written once, after the step that saw the abort');
  const header = readCheckpointHeader(path.join(root, 'run', 'checkpoints', 'last.ckpt'));
  assert.equal(header.globalStep, 3);
  await sleep(10);
  assert.equal(process.exitCode, exitCode);
  assert.deepEqual(rejections, []);

  // The same Trainer fits again without the signal: the abort belonged to the run before.
  const again = await trainer.fit(tinyCnn(), dm, { signal: new AbortController().signal });
  assert.equal(again.stopReason, 'completed');
});

void test('an already-aborted signal stops before the first step; a fit without one reports completed', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const dm = colourDataModule(root);
  t.after(() => dm.close());
  let batches = 0;
  const trainer = new Trainer({ ...quiet, maxEpochs: 2, defaultRootDir: path.join(root, 'run') });
  trainer.on('batchEnd', () => batches++);
  const result = await trainer.fit(tinyCnn(), dm, { signal: AbortSignal.abort() });
  assert.deepEqual([result.stopReason, result.globalStep, batches], ['aborted', 0, 0]);
  const done = await new Trainer({ ...quiet, maxEpochs: 1, enableCheckpointing: false }).fit(tinyCnn(), dm);
  assert.equal(done.stopReason, 'completed');
  assert.ok(done.globalStep > 0);
});

void test('events: typed listeners with step, epoch, metrics, throughput and ETA; off() stops them; the iterator sees every event to the end', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const dm = colourDataModule(root);
  t.after(() => dm.close());
  const trainer = new Trainer({ ...quiet, maxEpochs: 3, defaultRootDir: path.join(root, 'run') });
  const seen: TrainerEvent[] = [];
  const counts = { batchEnd: 0, epochEnd: 0, validationEnd: 0, checkpoint: 0, end: 0 };
  for (const name of Object.keys(counts) as (keyof typeof counts)[]) trainer.on(name, () => counts[name]++);
  const offAfterOne = trainer.on('epochEnd', (e) => {
    seen.push(e);
    offAfterOne();
  });
  const stream = trainer.events();
  const run = trainer.fit(tinyCnn(), dm);
  const streamed: TrainerEvent[] = [];
  for await (const e of stream) {
    streamed.push(e);
    await sleep(1); // a slow consumer: training goes on, the stream buffers
  }
  const result = await run;
  assert.equal(result.stopReason, 'completed');
  const steps = result.globalStep;
  assert.deepEqual(counts, { batchEnd: steps, epochEnd: 3, validationEnd: 3, checkpoint: 3, end: 1 });
  assert.equal(seen.length, 1, 'a removed listener is not called again');
  assert.equal(stream.dropped, 0);
  assert.equal(streamed.length, steps + 3 + 3 + 3 + 1);
  assert.equal(streamed.at(-1)?.type, 'end');

  const batchEnds = streamed.filter((e) => e.type === 'batchEnd');
  assert.deepEqual(
    batchEnds.map((e) => e.step),
    Array.from({ length: steps }, (_, i) => i + 1),
  );
  const last = batchEnds.at(-1)!;
  assert.ok(last.throughput !== null && last.throughput > 0, `throughput ${last.throughput}`);
  assert.equal(last.etaMs, 0);
  const middle = batchEnds[Math.floor(steps / 2)];
  assert.ok(middle.etaMs !== null && middle.etaMs > 0, `ETA mid-run ${middle.etaMs}`);
  const epochEnd = streamed.find((e) => e.type === 'epochEnd')!;
  assert.equal(epochEnd.epoch, 0);
  assert.ok(
    typeof epochEnd.metrics['val/loss'] === 'number' && typeof epochEnd.metrics['train/loss'] === 'number',
    Object.keys(epochEnd.metrics).join(),
  );
  const checkpoint = streamed.findLast((e) => e.type === 'checkpoint'); // the newest: top-1 evicts the older ones
  assert.ok(checkpoint?.type === 'checkpoint' && existsSync(checkpoint.path), 'the checkpoint event names a written file');
  const end = streamed.at(-1)!;
  assert.ok(end.type === 'end' && end.stopReason === 'completed');
});

void test('a stream that falls behind its bound drops the oldest batchEnd events, never the epoch-level ones', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const dm = colourDataModule(root);
  t.after(() => dm.close());
  const trainer = new Trainer({ ...quiet, maxEpochs: 2, enableCheckpointing: false });
  const stream = trainer.events({ bufferSize: 3 });
  const result = await trainer.fit(tinyCnn(), dm); // nobody reads until the run is over
  const events: TrainerEvent[] = [];
  for await (const e of stream) events.push(e);
  assert.ok(stream.dropped > 0);
  assert.deepEqual(
    events.map((e) => e.type).filter((type) => type !== 'batchEnd'),
    ['validationEnd', 'epochEnd', 'validationEnd', 'epochEnd', 'end'],
  );
  assert.equal(events.length + stream.dropped, result.globalStep + 5);
  const kept = events.filter((e) => e.type === 'batchEnd').map((e) => e.step);
  assert.ok(
    kept.every((step) => step > result.globalStep - 3),
    `kept the newest batch ends: ${kept.join()}`,
  );
});

/** Records the longest gap between the ticks of a 1 ms interval timer while it runs. */
class LagMeter {
  maxLagMs = 0;
  #lastTick = performance.now();
  readonly #timer = setInterval(() => {
    const now = performance.now();
    this.maxLagMs = Math.max(this.maxLagMs, now - this.#lastTick);
    this.#lastTick = now;
  }, 1);
  stop(): number {
    clearInterval(this.#timer);
    return this.maxLagMs;
  }
}

/**
 * Times each training step (batch-start hook to batch-end hook) and the event loop's lag after the
 * first step (before it, one-time set-up: libtorch's first passes, modules loaded on first use).
 */
class Responsiveness extends Callback {
  readonly stepMs: number[] = [];
  lag: LagMeter | null = null;
  #start = 0;
  override onTrainBatchStart(): void {
    this.#start = performance.now();
  }
  override onTrainBatchEnd(): void {
    this.stepMs.push(performance.now() - this.#start);
    this.lag ??= new LagMeter();
  }
}

/**
 * The lag this shared machine adds by itself, over `durationMs`, to a loop that yields once per
 * `chunkMs` of synchronous work (other processes and the garbage collector take tens of
 * milliseconds at times).
 */
async function machineLag(chunkMs: number, durationMs: number): Promise<number> {
  const lag = new LagMeter();
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const until = performance.now() + chunkMs;
    while (performance.now() < until); // a step's worth of synchronous work
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return Math.max(0, lag.stop() - chunkMs);
}

void test('the event loop stays responsive while training: no block much longer than a step', async (t) => {
  // Many small batches, validation inside the epoch and a checkpoint each epoch: a pass over many
  // batches without a turn of the event loop would block it for tens of steps.
  const root = await makeColourFolder(40);
  t.after(() => rm(root, { recursive: true, force: true }));
  const dm = colourDataModule(root, { batchSize: 2 });
  t.after(() => dm.close());
  const probe = new Responsiveness();
  const trainer = new Trainer({
    ...quiet,
    maxEpochs: 2,
    valCheckInterval: 0.5,
    defaultRootDir: path.join(root, 'run'),
    callbacks: [probe],
  });
  trainer.dispose(); // harmless before any run
  const started = performance.now();
  await trainer.fit(tinyCnn(), dm);
  const fitMs = performance.now() - started;
  const trainingLag = probe.lag?.stop() ?? Infinity;
  trainer.dispose();
  const steps = probe.stepMs;
  assert.ok(steps.length >= 80, `${steps.length} steps`);
  // Derived from this run's own step times plus the machine's noise measured the same way, never a
  // fixed number: a gap may hold one step, its prefetching and the hooks around it.
  const slowest = Math.max(...steps);
  const typical = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)];
  const noise = Math.max(await machineLag(typical, fitMs), await machineLag(typical, fitMs));
  const boundMs = 2 * noise + 3 * slowest + 4 * typical;
  const numbers = `the timer waited ${trainingLag.toFixed(1)} ms; bound ${boundMs.toFixed(1)} ms (steps: slowest ${slowest.toFixed(1)}, median ${typical.toFixed(1)}; machine noise ${noise.toFixed(1)}; ${steps.length} steps)`;
  if (process.env.LAG_DEBUG !== undefined) console.log(numbers);
  assert.ok(trainingLag < boundMs, numbers);
});

void test('Trainers one after another leave no live tensors and no handles behind', async (t) => {
  const root = await makeColourFolder();
  t.after(() => rm(root, { recursive: true, force: true }));
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await sleep(5);
  };
  const resources = (): string[] => process.getActiveResourcesInfo().sort();
  await settle();
  const before = { live: torch.memory().liveTensors, resources: resources() };
  for (let i = 0; i < 3; i++) {
    const dm = colourDataModule(root, { workers: i === 1 ? 1 : 0 });
    const module = tinyCnn();
    const trainer = new Trainer({ ...quiet, maxEpochs: 2, defaultRootDir: path.join(root, `run-${i}`) });
    const stream = trainer.events();
    const consumed = (async () => {
      for await (const e of stream) void e;
    })();
    await trainer.fit(module, dm, { signal: new AbortController().signal });
    await consumed;
    await dm.close();
    trainer.dispose();
    module.dispose();
  }
  await settle();
  assert.equal(torch.memory().liveTensors, before.live, 'live tensors after three Trainers');
  assert.deepEqual(resources(), before.resources);
});
