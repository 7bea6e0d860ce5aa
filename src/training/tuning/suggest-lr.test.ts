import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suggestLr } from './suggest-lr.js';
import { sweepLr } from './lr-find-options.js';

const options = { minLr: 1e-8, maxLr: 1, numSteps: 100 };
const lrs = Array.from({ length: 100 }, (_, i) => sweepLr(options, i));
/** A loss that holds at 2 until lr ~1e-4, falls to 0.5 centred on lr 1e-3, then climbs as the lr passes 0.1. */
const curve = (lr: number): number => {
  const x = Math.log10(lr);
  return 0.5 + 1.5 / (1 + Math.exp(3 * (x + 3))) + (x > -1 ? 4 * (x + 1) ** 2 : 0);
};
let seed = 7;
const noise = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.02;

test('the suggestion is the steepest descent of the valley, decades above where a long flat start would put it', () => {
  const { suggestion } = suggestLr(lrs, lrs.map(curve));
  assert.ok(suggestion !== null);
  // The curve falls fastest at lr 1e-3 (its sigmoid's centre); the grid has 12.4 points a decade.
  assert.ok(Math.abs(Math.log10(suggestion.lr) + 3) < 0.1, `suggested ${suggestion.lr}`);
  const [start, end] = suggestion.valley;
  assert.ok(start < suggestion.index && suggestion.index < end);
  // fastai's valley takes a point a share along the longest decreasing run, which here starts at the
  // first points (the flat start falls too, slowly): that point is near lr 1e-5 (index ~ 40).
  assert.ok(lrs[start] > 1e-5 && lrs[start] < 1e-3);
});

test('noise, an early spike and a NaN tail do not move the suggestion out of the valley', () => {
  const smoothed = lrs.map((lr) => curve(lr) + noise());
  smoothed[12] = 1.2; // a dip in the average's warm-up: the steepest raw slope of the curve
  smoothed[13] = 2.6;
  for (let i = 95; i < 100; i++) smoothed[i] = NaN;
  const { suggestion } = suggestLr(lrs, smoothed);
  assert.ok(suggestion !== null);
  assert.ok(suggestion.lr > 1e-4 && suggestion.lr < 1e-2, `suggested ${suggestion.lr}`);
});

test('a curve that never falls gives no suggestion and says why', () => {
  const flat = lrs.map(() => 2 + noise() * 0.1);
  const result = suggestLr(lrs, flat);
  assert.equal(result.suggestion, null);
  assert.match(
    result.failure ?? '',
    /expected the smoothed loss to fall by at least 1% somewhere from lr \d\.\de-8 to 1\.0e\+0, but it fell by 0\.\d\d%; raise maxLr/,
  );
});

test('too few finite points before divergence give no suggestion', () => {
  const result = suggestLr(lrs.slice(0, 10), [2, 1.9, 1.5, NaN, 1, 1, 1, 1, 1, 1]);
  assert.equal(result.suggestion, null);
  assert.match(result.failure ?? '', /expected at least 5 finite points before the loss diverged, but got 3; lower minLr/);
});

test('the doc example: a short curve suggests its steepest fall, not its minimum', () => {
  const short = Array.from({ length: 13 }, (_, i) => 10 ** (-6 + i / 2));
  const result = suggestLr(short, [2.3, 2.3, 2.3, 2.3, 2.29, 2.2, 1.9, 1.4, 1.0, 0.9, 0.95, 1.5, 4]);
  assert.deepEqual(result.suggestion, { lr: 10 ** -2.5, index: 7, valley: [5, 8] });
});
