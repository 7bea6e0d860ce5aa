import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Predictions } from './predictions.js';
import { topLosses } from './top-losses.js';

/** Three classes, five samples; losses as given. */
function predictions(losses: number[]): Predictions {
  return {
    probs: Float32Array.of(0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.3, 0.3, 0.4, 0.5, 0.25, 0.25, 0.2, 0.2, 0.6),
    targets: Int32Array.of(0, 0, 1, 2, 2),
    losses: Float32Array.from(losses),
    paths: ['a.png', 'b, "c".png', 'c.png', 'd.png', 'e.png'],
    indices: Int32Array.of(10, 11, 12, 13, 14),
    classNames: ['cat', 'dog', 'fox'],
  };
}

test('top losses: the k highest, highest first, with true and predicted class and the confidence', () => {
  const top = topLosses(predictions([0.36, 2.3, 1.2, 1.39, 0.51]), 3);
  assert.deepEqual(
    top.map((t) => ({ ...t, confidence: Math.round(t.confidence * 100) / 100, loss: Math.round(t.loss * 100) / 100 })),
    [
      { rank: 0, sample: 1, path: 'b, "c".png', trueClass: 'cat', predicted: 'dog', confidence: 0.8, loss: 2.3 },
      { rank: 1, sample: 3, path: 'd.png', trueClass: 'fox', predicted: 'cat', confidence: 0.5, loss: 1.39 },
      { rank: 2, sample: 2, path: 'c.png', trueClass: 'dog', predicted: 'fox', confidence: 0.4, loss: 1.2 },
    ],
  );
});

test('top losses: ties keep sample order, k past the sample count gives them all, NaN losses (no label) are left out', () => {
  assert.deepEqual(
    topLosses(predictions([1, 2, 1, Number.NaN, 2]), 10).map((t) => t.sample),
    [1, 4, 0, 2],
  );
  assert.deepEqual(topLosses(predictions([1, 2, 3, 4, 5]), 0), []);
});
