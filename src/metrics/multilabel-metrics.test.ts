import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ShapeError } from '../errors.js';
import { memory, tensor, tidy } from '../torch/index.js';
import { MultilabelAveragePrecision } from './multilabel-average-precision.js';
import { MultilabelAUROC } from './multilabel-auroc.js';
import { bestF1Threshold, precisionRecallCurve } from './multilabel-ranking.js';
import { MultilabelStatScores } from './multilabel-stat-scores.js';

/** Predictions and scikit-learn's numbers for them (scripts/fixtures/multilabel_metrics.py). */
interface Case {
  name: string;
  scores: number[][];
  target: number[][];
  thresholds: number[];
  expected: Record<string, number | (number | null)[]>;
}
const fixture = JSON.parse(readFileSync(new URL('../../test/fixtures/multilabel/metrics.json', import.meta.url), 'utf8')) as {
  numClasses: number;
  cases: Case[];
};
const C = fixture.numClasses;

function close(actual: number | readonly number[], expected: unknown, what: string): void {
  const a = typeof actual === 'number' ? [actual] : actual;
  const e = (Array.isArray(expected) ? expected : [expected]) as (number | null)[];
  assert.equal(a.length, e.length, what);
  a.forEach((v, i) => {
    if (e[i] === null) assert.ok(Number.isNaN(v), `${what}[${i}]: expected NaN (undefined in sklearn), but got ${v}`);
    else assert.ok(Math.abs(v - e[i]) < 1e-9, `${what}[${i}]: expected ${e[i]}, but got ${v}`);
  });
}

/** Feeds a case in three uneven batches, as an epoch would. */
function feed(metric: { update(p: ReturnType<typeof tensor>, t: ReturnType<typeof tensor>): void }, c: Case): void {
  for (const [from, to] of [
    [0, 5],
    [5, 30],
    [30, c.scores.length],
  ]) {
    tidy(() =>
      metric.update(tensor(c.scores.slice(from, to), { dtype: 'float32' }), tensor(c.target.slice(from, to), { dtype: 'float32' })),
    );
  }
}

for (const c of fixture.cases) {
  void test(`multi-label AP, mAP macro and micro equal scikit-learn's (a label with no positives included): ${c.name}`, () => {
    const ap = new MultilabelAveragePrecision({ numLabels: C, average: 'none' });
    feed(ap, c);
    const all = ap.computeAll();
    close(all.perLabel, c.expected['ap/none'], 'ap/none');
    close(all.macro, c.expected['ap/macro'], 'ap/macro');
    close(all.micro, c.expected['ap/micro'], 'ap/micro');
    assert.equal(ap.positives()[2], 0);
    ap.dispose();
  });

  void test(`multi-label AUROC per label equals scikit-learn's, NaN where sklearn refuses: ${c.name}`, () => {
    for (const average of ['none', 'macro'] as const) {
      const auroc = new MultilabelAUROC({ numLabels: C, average });
      feed(auroc, c);
      close(auroc.compute(), c.expected[`auroc/${average}`], `auroc/${average}`);
      auroc.dispose();
    }
  });

  void test(`multi-label F1, precision, recall, Hamming loss and exact match equal scikit-learn's at the thresholds: ${c.name}`, () => {
    const stats = new MultilabelStatScores({ numLabels: C, thresholds: c.thresholds });
    feed(stats, c);
    const s = stats.compute();
    for (const name of ['precision', 'recall', 'f1'] as const) {
      close(s[name].perLabel, c.expected[`${name}/none`], `${name}/none`);
      close(s[name].macro, c.expected[`${name}/macro`], `${name}/macro`);
      close(s[name].micro, c.expected[`${name}/micro`], `${name}/micro`);
    }
    close(s.hamming, c.expected.hamming, 'hamming');
    close(s.exactMatch, c.expected.exact_match, 'exact match');
    stats.dispose();
  });

  void test(`F1-optimal thresholds equal a brute-force search with scikit-learn's f1_score: ${c.name}`, () => {
    const tuned = Array.from({ length: C }, (_, j) => {
      const best = bestF1Threshold(
        c.scores.map((r) => Math.fround(r[j])),
        c.target.map((r) => r[j]),
      );
      return best?.threshold ?? 0.5;
    });
    close(tuned, c.expected.tuned, 'tuned');
  });
}

void test('bestF1Threshold finds the known optimum: every positive above every negative but one', () => {
  // Positives 0.6, 0.7, 0.9; negatives 0.1, 0.2, 0.65. t = 0.6 gives P 3/4, R 1, F1 6/7;
  // t = 0.7 gives P 1, R 2/3, F1 0.8; t = 0.9 gives F1 0.5. The optimum is 0.6.
  const best = bestF1Threshold([0.1, 0.6, 0.2, 0.7, 0.65, 0.9], [0, 1, 0, 1, 0, 1]);
  assert.deepEqual(best, { threshold: 0.6, f1: 6 / 7 });
  assert.equal(bestF1Threshold([0.3, 0.4], [0, 0]), null);
});

void test('precisionRecallCurve moves tied scores together', () => {
  const curve = precisionRecallCurve([0.8, 0.8, 0.1], [1, 0, 1]);
  assert.deepEqual(curve.thresholds, [0.8, 0.1]);
  assert.deepEqual(curve.precision, [0.5, 2 / 3]);
  assert.deepEqual(curve.recall, [0.5, 1]);
});

void test('multi-label metrics refuse class-index targets and keep no tensors after dispose', () => {
  const before = memory().liveTensors;
  const stats = new MultilabelStatScores({ numLabels: 3 });
  const ap = new MultilabelAveragePrecision({ numLabels: 3 });
  tidy(() => {
    const probs = tensor([[0.2, 0.9, 0.4]]);
    assert.throws(() => stats.update(probs, tensor(new BigInt64Array([1n]))), ShapeError);
    assert.throws(() => ap.update(probs.flatten(0), tensor([[1, 0, 0]])), ShapeError);
    stats.update(probs, tensor([[0, 1, 1]]));
    ap.update(probs, tensor([[0, 1, 1]]));
  });
  assert.equal(stats.compute().exactMatch, 0);
  assert.throws(() => stats.setThresholds([0.5, 2, 0.5]), /expected a threshold in \[0, 1\]/);
  stats.dispose();
  ap.dispose();
  assert.equal(memory().liveTensors, before);
});
