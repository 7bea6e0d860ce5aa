import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lttb, lttbIndices } from './lttb.js';

describe('lttb', () => {
  it('keeps every point when the threshold holds them all', () => {
    assert.deepEqual(lttbIndices([0, 1, 2], [3, 4, 5], 3), [0, 1, 2]);
    assert.deepEqual(lttbIndices([0, 1, 2, 3], [3, 4, 5, 6], 10), [0, 1, 2, 3]);
  });

  it('keeps the first and the last point', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const ys = xs.map((x) => Math.sin(x / 10));
    const kept = lttbIndices(xs, ys, 50);
    assert.equal(kept.length, 50);
    assert.equal(kept[0], 0);
    assert.equal(kept.at(-1), 999);
    assert.ok(
      kept.every((k, i) => i === 0 || k > kept[i - 1]),
      'ascending, no repeats',
    );
  });

  it('picks the point of largest triangle area in each bucket', () => {
    // One bucket holds 1..3; against (0,0) and the last point (4,0), the spike at x=2 has the largest area.
    assert.deepEqual(lttbIndices([0, 1, 2, 3, 4], [0, 1, 9, 2, 0], 3), [0, 2, 4]);
    // A negative spike counts as much as a positive one.
    assert.deepEqual(lttbIndices([0, 1, 2, 3, 4], [0, -1, 0, -7, 0], 3), [0, 3, 4]);
  });

  it('computes the area against the next bucket mean (worked example)', () => {
    // 6 points, 4 kept: buckets {1,2} and {3,4}. Bucket 1: a=(0,0), next mean (3.5, 1.5):
    // area(1) = |(0-3.5)*(4-0) - (0-1)*(1.5-0)| = |-14 + 1.5| = 12.5; area(2) = |(-3.5)*(0) - (-2)*(1.5)| = 3 → keeps 1.
    // Bucket 2: a=(1,4), next = the last point (5,0): area(3) = |(1-5)*(3-4) - (1-3)*(0-4)| = |4 - 8| = 4;
    // area(4) = |(1-5)*(0-4) - (1-4)*(0-4)| = |16 - 12| = 4 → tie keeps the first, 3.
    assert.deepEqual(lttbIndices([0, 1, 2, 3, 4, 5], [0, 4, 0, 3, 0, 0], 4), [0, 1, 3, 5]);
  });

  it('downsamples pairs', () => {
    assert.deepEqual(
      lttb(
        [
          [0, 0],
          [1, 5],
          [2, 0],
          [3, 0],
        ],
        3,
      ),
      [
        [0, 0],
        [1, 5],
        [3, 0],
      ],
    );
  });
});
