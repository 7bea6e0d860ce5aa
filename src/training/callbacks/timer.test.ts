import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../errors.js';
import { registry } from '../../registry.js';
import { fakeTrainer, tinyModule } from './fake-trainer.test-helper.js';
import { Timer, durationMs, formatDuration } from './timer.js';

/** A clock the test moves by hand. */
function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

const context = { batch: {} as never, batchIdx: 0 };

test('durations: milliseconds, DD:HH:MM:SS and { days, hours, minutes, seconds }', () => {
  assert.equal(durationMs(1500), 1500);
  assert.equal(durationMs('01:02:03:04'), ((1 * 24 + 2) * 3600 + 3 * 60 + 4) * 1000);
  assert.equal(durationMs({ days: 1, minutes: 30 }), 86_400_000 + 1_800_000);
  assert.equal(formatDuration(((1 * 24 + 2) * 3600 + 3 * 60 + 4) * 1000 + 999), '01:02:03:04');
  assert.throws(() => new Timer({ duration: '1:2:3' }), ConfigError);
  assert.throws(() => new Timer({ duration: { weeks: 1 } as never }), ConfigError);
});

test("interval 'step': stops after the batch that reaches the budget, once", () => {
  const c = clock();
  const trainer = fakeTrainer();
  const module = tinyModule();
  const timer = new Timer({ duration: { seconds: 10 }, now: c.now });
  timer.onFitStart(trainer);
  timer.onTrainStart(trainer);
  for (let i = 0; i < 4; i++) {
    c.advance(3000);
    timer.onTrainBatchEnd(trainer, module, context);
  }
  assert.deepEqual(trainer.stopReasons, ['Timer: time limit of 00:00:00:10 reached (elapsed 00:00:00:12)']);
  assert.equal(timer.timeElapsed('train'), 12_000);
  assert.equal(timer.timeRemaining(), -2000);
  c.advance(3000);
  timer.onTrainBatchEnd(trainer, module, context);
  assert.equal(trainer.stopReasons.length, 1);
  assert.match(trainer.printed[0], /signalling the Trainer to stop/);
});

test("interval 'epoch' ignores batch ends; validation time is its own stage", () => {
  const c = clock();
  const trainer = fakeTrainer();
  const timer = new Timer({ duration: 5000, interval: 'epoch', now: c.now });
  timer.onTrainStart(trainer);
  c.advance(4000);
  timer.onValidationStart(trainer);
  c.advance(2000);
  timer.onValidationEnd(trainer);
  timer.onTrainBatchEnd(trainer, tinyModule(), context);
  assert.equal(trainer.stopReasons.length, 0);
  timer.onTrainEpochEnd(trainer);
  assert.equal(trainer.stopReasons.length, 1);
  assert.equal(timer.timeElapsed('validate'), 2000);
  assert.equal(timer.endTime('validate'), c.now());
  assert.equal(timer.endTime('train'), null);
  timer.onTrainEnd(trainer);
  c.advance(1000);
  assert.equal(timer.timeElapsed('train'), 6000, 'no time counts once the stage ended');
  assert.equal(timer.timeElapsed('test'), 0);
});

test('the elapsed time is checkpoint state: a resumed run counts the time already spent', () => {
  const c = clock();
  const first = new Timer({ duration: 10_000, now: c.now });
  first.onTrainStart(fakeTrainer());
  c.advance(7000);
  const state = first.stateDict();
  assert.deepEqual(state, { timeElapsed: { train: 7000, validate: 0, test: 0, predict: 0 } });

  const resumed = new Timer({ duration: 10_000, now: c.now });
  resumed.loadStateDict(JSON.parse(JSON.stringify(state)) as typeof state);
  const trainer = fakeTrainer();
  resumed.onFitStart(trainer);
  resumed.onTrainStart(trainer);
  c.advance(2000);
  resumed.onTrainBatchEnd(trainer, tinyModule(), context);
  assert.equal(trainer.stopReasons.length, 0);
  assert.equal(resumed.timeRemaining(), 1000);
  c.advance(1000);
  resumed.onTrainBatchEnd(trainer, tinyModule(), context);
  assert.equal(trainer.stopReasons.length, 1);

  // A state already past the budget stops the run at fit start.
  const spent = new Timer({ duration: 5000, now: c.now });
  spent.loadStateDict({ timeElapsed: { train: 6000 } });
  const t2 = fakeTrainer();
  spent.onFitStart(t2);
  assert.equal(t2.stopReasons.length, 1);
});

test('without a duration it only measures; registered as timer', () => {
  const timer = registry.build<Timer>('callback', 'timer', { duration: '00:00:01:00', interval: 'epoch' });
  assert.equal(timer.durationMs, 60_000);
  const measuring = new Timer();
  const trainer = fakeTrainer();
  measuring.onFitStart(trainer);
  measuring.onTrainStart(trainer);
  measuring.onTrainBatchEnd(trainer, tinyModule(), context);
  assert.equal(measuring.timeRemaining(), null);
  assert.equal(trainer.stopReasons.length, 0);
  assert.throws(() => registry.build('callback', 'timer', { interval: 'hour' }), ConfigError);
});
