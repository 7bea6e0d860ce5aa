import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LossSmoother } from './loss-smoother.js';
import { parseLrFindOptions, sweepLr } from './lr-find-options.js';
import { ConfigError } from '../../errors.js';

test('the smoothed loss is the bias-corrected exponential average (fastai / Lightning)', () => {
  const s = new LossSmoother({ smoothing: 0.9, divergeThreshold: null });
  // avg1 = 0.1*2 = 0.2, /(1-0.9) = 2; avg2 = 0.9*0.2 + 0.1*1 = 0.28, /(1-0.81) = 1.4736842...
  assert.equal(s.add(2), 2);
  assert.ok(Math.abs(s.add(1) - 0.28 / 0.19) < 1e-12);
  // A constant loss stays constant (what the bias correction is for).
  const c = new LossSmoother({ smoothing: 0.98, divergeThreshold: 4 });
  for (let i = 0; i < 20; i++) assert.ok(Math.abs(c.add(3) - 3) < 1e-12);
  assert.equal(c.diverged, false);
});

test('divergence: a smoothed loss above threshold x the best, or a loss that is not finite', () => {
  const s = new LossSmoother({ smoothing: 0, divergeThreshold: 4 });
  s.add(1);
  s.add(0.5);
  s.add(1.9);
  assert.equal(s.diverged, false);
  s.add(2.1);
  assert.equal(s.diverged, true);
  const nan = new LossSmoother({ smoothing: 0.98, divergeThreshold: null });
  nan.add(1);
  assert.ok(Number.isNaN(nan.add(Infinity)));
  assert.equal(nan.diverged, true);
});

test('the sweep is exponential from minLr to maxLr', () => {
  const o = parseLrFindOptions({ minLr: 1e-6, maxLr: 1, numSteps: 7 });
  const expected = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1];
  for (let i = 0; i < 7; i++) assert.ok(Math.abs(sweepLr(o, i) / expected[i] - 1) < 1e-12, `step ${i}: ${sweepLr(o, i)}`);
});

test('bad options: every issue at once, with its path', () => {
  assert.throws(
    () => parseLrFindOptions({ minLr: -1, numSteps: 2.5, smoothing: 1, bogus: 1 }),
    (e: unknown) =>
      e instanceof ConfigError &&
      ['lrFind.minLr', 'lrFind.numSteps', 'lrFind.smoothing', 'lrFind.bogus'].every((p) => e.issues.some((i) => i.path === p)),
  );
  assert.throws(() => parseLrFindOptions({ minLr: 1, maxLr: 1e-3 }), /lrFind\.maxLr: expected a maxLr above minLr \(1\), but got 0\.001/);
});
