import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DataError } from '../errors.js';
import { findLabelIssues } from './label-issues.js';

/** Written by scripts/fixtures/label_issues.py: confident learning restated in numpy. */
interface Case {
  name: string;
  numClasses: number;
  labels: number[];
  probs: number[];
  thresholds: number[];
  calibratedJoint: number[][];
  flagged: number[];
  suggested: number[];
  ranked: Record<'self_confidence' | 'normalized_margin', { indices: number[]; scores: number[] }>;
}
const cases = JSON.parse(readFileSync(new URL('../../test/fixtures/label-issues/cases.json', import.meta.url), 'utf8')) as Case[];

for (const c of cases) {
  test(`findLabelIssues matches the numpy reference: ${c.name}`, () => {
    const probs = Float32Array.from(c.probs);
    for (const rankBy of ['self_confidence', 'normalized_margin'] as const) {
      const result = findLabelIssues({ probs, labels: c.labels, numClasses: c.numClasses, rankBy });
      const want = c.ranked[rankBy];
      assert.deepEqual(
        result.issues.map((i) => i.index),
        want.indices,
        rankBy,
      );
      result.issues.forEach((issue, r) => assert.ok(Math.abs(issue.score - want.scores[r]) < 1e-12, `${rankBy} score ${r}`));
      result.thresholds.forEach((t, j) => assert.ok(Math.abs(t - c.thresholds[j]) < 1e-12, `threshold ${j}`));
      assert.deepEqual(result.confidentJoint, c.calibratedJoint);
    }
    const bySample = new Map(findLabelIssues({ probs, labels: c.labels, numClasses: c.numClasses }).issues.map((i) => [i.index, i]));
    c.flagged.forEach((index, r) => {
      assert.equal(bySample.get(index)?.suggestedLabel, c.suggested[r]);
      assert.equal(bySample.get(index)?.givenLabel, c.labels[index]);
    });
  });
}

test('findLabelIssues: the reference cases flag samples (the comparison above is not vacuous)', () => {
  for (const c of cases) assert.ok(c.flagged.length > 5, c.name);
  assert.ok(
    cases.some((c) => c.labels.every((y) => y !== 2) && c.numClasses === 4),
    'a case with a class that has no samples',
  );
});

test('findLabelIssues: data the model gets all right gives no issues', () => {
  const labels = [0, 0, 0, 1, 1, 1, 2, 2, 2];
  const probs = labels.flatMap((y, i) => [0, 1, 2].map((j) => (j === y ? 0.7 + 0.02 * i : (0.3 - 0.02 * i) / 2)));
  assert.deepEqual(findLabelIssues({ probs, labels, numClasses: 3 }).issues, []);
});

test('findLabelIssues: one swapped label is found and its class suggested', () => {
  // Four 0s and six 1s; sample 5 is a 0 labelled 1, which the model confidently calls 0.
  const truth = [0, 0, 0, 0, 1, 0, 1, 1, 1, 1];
  const labels = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
  const probs = truth.flatMap((t, i) => (t === 0 ? [0.9 - 0.01 * i, 0.1 + 0.01 * i] : [0.1 + 0.01 * i, 0.9 - 0.01 * i]));
  [probs[10], probs[11]] = [0.95, 0.05];
  const { issues } = findLabelIssues({ probs, labels, numClasses: 2 });
  assert.deepEqual(issues, [{ index: 5, givenLabel: 1, suggestedLabel: 0, score: 0.05, confident: true }]);
});

test('findLabelIssues: a class with no samples, and one with a single sample, flag nothing in them', () => {
  // Class 2 has no samples; class 1 has one, which the model calls 0: too few to prune (cleanlab keeps it).
  const labels = [0, 0, 0, 0, 1];
  const probs = [0.8, 0.1, 0.1, 0.7, 0.2, 0.1, 0.9, 0.05, 0.05, 0.85, 0.1, 0.05, 0.9, 0.05, 0.05];
  const result = findLabelIssues({ probs, labels, numClasses: 3 });
  assert.deepEqual(result.issues, []);
  assert.equal(result.thresholds[2], 2);
});

test('findLabelIssues: the doc example', () => {
  const { issues } = findLabelIssues({ probs: Float32Array.of(0.9, 0.1, 0.2, 0.8, 0.95, 0.05), labels: [0, 1, 1], numClasses: 2 });
  assert.equal(issues.length, 1);
  assert.deepEqual(
    { ...issues[0], score: Math.round(issues[0].score * 100) / 100 },
    { index: 2, givenLabel: 1, suggestedLabel: 0, score: 0.05, confident: true },
  );
});

test('findLabelIssues withDisagreements: the confident issues first, then the other samples predicted as another class', () => {
  // Class 0's mean self-confidence is 0.75: sample 3, a 1 by 0.6 against 0.4, is below every threshold
  // (not confident) yet the model calls it 1; sample 7, a 0 labelled 1 at 0.95, is a confident issue.
  const labels = [0, 0, 0, 0, 1, 1, 1, 1];
  const p0 = [0.9, 0.95, 0.85, 0.4, 0.05, 0.1, 0.15, 0.95];
  const probs = p0.flatMap((p) => [p, 1 - p]);
  const plain = findLabelIssues({ probs, labels, numClasses: 2 }).issues;
  assert.deepEqual(
    plain.map((i) => [i.index, i.confident]),
    [[7, true]],
  );
  const all = findLabelIssues({ probs, labels, numClasses: 2, withDisagreements: true }).issues;
  assert.deepEqual(
    all.map((i) => [i.index, i.suggestedLabel, i.confident]),
    [
      [7, 0, true],
      [3, 1, false],
    ],
  );
  assert.equal(all[1].score, 0.4);
});

test('findLabelIssues: refuses probabilities of the wrong size and labels out of range', () => {
  assert.throws(() => findLabelIssues({ probs: [0.5, 0.5, 1], labels: [0, 1], numClasses: 2 }), {
    name: 'DataError',
    message: 'findLabelIssues: expected 2 x 2 probabilities, but got 3 values',
  });
  assert.throws(() => findLabelIssues({ probs: [0.5, 0.5], labels: [2], numClasses: 2 }), DataError);
  assert.throws(() => findLabelIssues({ probs: [1], labels: [0], numClasses: 1 }), /numClasses an integer >= 2/);
});
