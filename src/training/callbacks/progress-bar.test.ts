import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { ClassificationBatch } from '../../data/classification-batch.js';
import { registry } from '../../registry.js';
import { fakeTrainer, tinyModule } from './fake-trainer.test-helper.js';
import type { FakeTrainer } from './fake-trainer.test-helper.js';
import { ProgressBar, formatEta } from './progress-bar.js';

/** A stream that keeps what is written; `isTTY` as asked. */
function fakeStream(isTTY: boolean): Writable & { isTTY: boolean; columns: number; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return Object.assign(stream, { isTTY, columns: 160, text: () => chunks.join('') });
}

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const module = tinyModule();
/** A batch of 8 images (only its size is read). */
const ctx = (batchIdx: number): { batch: ClassificationBatch; batchIdx: number } => ({
  batch: { images: { size: () => 8 } } as unknown as ClassificationBatch,
  batchIdx,
});

/** Runs `batches` train batches of 100 ms each (one optimizer step per batch). */
function trainEpoch(bar: ProgressBar, trainer: FakeTrainer, c: ReturnType<typeof clock>, batches: number): void {
  bar.onTrainEpochStart(trainer);
  for (let i = 0; i < batches; i++) {
    c.advance(100);
    trainer.globalStep++;
    trainer.callbackMetrics['train/loss_step'] = 1 / (trainer.globalStep + 1);
    bar.onTrainBatchEnd(trainer, module, ctx(i));
  }
}

test('ETA text', () => {
  assert.equal(formatEta(65), '1:05');
  assert.equal(formatEta(3725), '1:02:05');
  assert.equal(formatEta(null), '?');
});

test('without a terminal: a line every refreshRate batches and one per epoch, after its validation', () => {
  const stream = fakeStream(false);
  const printStream = fakeStream(false);
  const c = clock();
  const bar = new ProgressBar({ refreshRate: 2, stream, printStream, now: c.now });
  const trainer = fakeTrainer({ maxEpochs: 3, numTrainBatches: 5, callbackMetrics: { 'val/acc_top1': 0.5, 'lr-SGD': 0.1 } });
  trainEpoch(bar, trainer, c, 5);
  bar.onTrainEpochEnd(trainer);
  assert.equal(printStream.text(), '', 'the epoch line waits for the validation that follows');
  bar.onValidationStart(trainer);
  c.advance(200);
  bar.onValidationBatchEnd(trainer);
  trainer.callbackMetrics['val/acc_top1'] = 0.75;
  bar.onValidationEnd(trainer);
  assert.deepEqual(stream.text().split('\n'), [
    // 2 batches in 0.2 s: 10 it/s; 3 batches left: 0.3 s; 2 more epochs of 0.5 s: 1.3 s in all
    'Epoch 1/3 batch 2/5 loss 0.3333 val/acc_top1 0.5000 | 10.0 it/s | ETA 0:00 (run 0:01)',
    'Epoch 1/3 batch 4/5 loss 0.2000 val/acc_top1 0.5000 | 10.0 it/s | ETA 0:00 (run 0:01)',
    '',
  ]);
  // The run ETA now adds the 0.2 s validation to each of the 2 epochs left: 2 * 0.7 s.
  assert.equal(printStream.text(), 'Epoch 1/3 done in 0:01 (10.0 it/s) | loss 0.1667 val/acc_top1 0.7500 | run ETA 0:01\n');
  assert.deepEqual(bar.etas(trainer), { epoch: null, run: null });

  // An epoch without validation prints its line when the next starts, or at train end.
  trainEpoch(bar, trainer, c, 5);
  bar.onTrainEpochEnd(trainer);
  trainer.currentEpoch = 1;
  bar.onTrainEnd(trainer);
  assert.match(printStream.text().split('\n')[1], /^Epoch 1\/3 done in 0:01 \(10\.0 it\/s\) \| loss 0\.09091/);
});

test('each train epoch logs its throughput (validation time left out) and the resident memory', () => {
  const c = clock();
  const bar = new ProgressBar({ stream: fakeStream(false), printStream: fakeStream(false), now: c.now });
  const trainer = fakeTrainer({ maxEpochs: 2, numTrainBatches: 4 });
  bar.onTrainEpochStart(trainer);
  for (let i = 0; i < 4; i++) {
    c.advance(100);
    bar.onTrainBatchEnd(trainer, module, ctx(i));
    if (i === 1) {
      // A validation inside the epoch (val_check_interval) is not train time.
      bar.onValidationStart(trainer);
      c.advance(600);
      bar.onValidationEnd(trainer);
    }
  }
  assert.equal(trainer.logged.length, 0, 'nothing before the epoch ends');
  bar.onTrainEpochEnd(trainer);
  const logged = Object.fromEntries(trainer.logged.map((l) => [l.name, l]));
  // 4 batches of 8 images in 0.4 s of training.
  assert.equal(logged['train/img_per_s'].value, 80);
  assert.deepEqual(logged['train/img_per_s'].options, { onStep: false, onEpoch: true });
  const rssMb = logged['system/rss_mb'].value;
  assert.ok(Math.abs(rssMb - process.memoryUsage().rss / 2 ** 20) < 64, `RSS ${rssMb} MB`);
  assert.equal(trainer.logged.length, 2, 'once per epoch');
});

test('the run ETA from maxSteps when it ends the run first', () => {
  const c = clock();
  const bar = new ProgressBar({ stream: fakeStream(false), printStream: fakeStream(false), now: c.now });
  const trainer = fakeTrainer({ maxEpochs: null, maxSteps: 40, numTrainBatches: 100 });
  trainEpoch(bar, trainer, c, 10);
  const eta = bar.etas(trainer);
  assert.ok(Math.abs(eta.epoch! - 9) < 1e-9, `epoch ETA ${eta.epoch}`); // 90 batches of 0.1 s
  assert.ok(Math.abs(eta.run! - 3) < 1e-9, `run ETA ${eta.run}`); // 30 steps of 0.1 s
});

test('on a terminal: a live bar with metrics and ETAs; print writes above it; bars end with the run', () => {
  const stream = fakeStream(true);
  const printStream = fakeStream(false);
  const c = clock();
  const bar = registry.build<ProgressBar>('callback', 'progress_bar', {});
  const live = new ProgressBar({ stream, printStream, now: c.now, payloadIntervalMs: 0 });
  assert.equal(bar.isTTY, process.stderr.isTTY === true);
  const trainer = fakeTrainer({ maxEpochs: 2, numTrainBatches: 4 });
  trainEpoch(live, trainer, c, 3);
  live.print('a message');
  assert.equal(printStream.text(), 'a message\n');
  const drawn = stream.text();
  assert.match(drawn, /Epoch 1\/2 \[=+-*\] 3\/4 loss 0\.2500 \| 10\.0 it\/s \| ETA 0:00 \(run 0:0\d\)/);
  assert.ok(drawn.includes('\x1b[2K'), 'the bar line is cleared before the message');
  // Validation in the middle of the epoch gets its own bar; the train bar comes back after it.
  live.onValidationStart(trainer);
  live.onValidationBatchEnd(trainer);
  assert.match(stream.text(), /Validating 1 batches/);
  live.onValidationEnd(trainer);
  c.advance(100);
  live.onTrainBatchEnd(trainer, module, ctx(3));
  assert.match(stream.text(), /4\/4/);
  live.onTrainEpochEnd(trainer);
  assert.match(printStream.text(), /Epoch 1\/2 done in 0:00 \(10\.0 it\/s\) \| loss 0\.2500 \| run ETA 0:00/);
  live.teardown();
  assert.ok(
    !stream.text().includes('\x1b7') && !stream.text().includes('\x1b8'),
    'the cursor is never sent back to where a bar started (lines printed above it stay)',
  );
  assert.ok(stream.text().endsWith('\x1b[?7h\x1b[1G\x1b[2K'), 'the last bar line is cleared when the bar stops');
  // Nothing is left running: the test would not end if a bar's redraw timer were.
});

test('the sanity check shows its own bar and no epoch line; failures stop the bar', () => {
  const stream = fakeStream(true);
  const printStream = fakeStream(false);
  const live = new ProgressBar({ stream, printStream });
  const trainer = fakeTrainer({ sanityChecking: true });
  live.onValidationStart(trainer);
  live.onValidationBatchEnd(trainer);
  assert.match(stream.text(), /Sanity checking/);
  live.onValidationEnd(trainer);
  trainer.sanityChecking = false;
  live.onTrainEpochStart(trainer);
  live.onException(trainer, module, new Error('boom'));
  assert.equal(printStream.text(), '');
  assert.throws(() => new ProgressBar({ refreshRate: 0 }), /ProgressBar: expected valid options, but got refreshRate/);
});
