import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EvalShardSampler } from './eval-shard-sampler.js';

void test('the shards of every rank cover the split exactly once, without padding', () => {
  for (const [length, world] of [
    [7, 2],
    [10, 3],
    [2, 4],
    [0, 2],
    [8, 1],
  ]) {
    const shards = Array.from({ length: world }, (_, rank) => new EvalShardSampler({ length, numReplicas: world, rank }));
    for (const s of shards) assert.equal(s.indices(3).length, s.length);
    const all = shards.flatMap((s) => s.indices(0)).sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length }, (_, i) => i),
      `${length} over ${world}`,
    );
  }
  assert.deepEqual(new EvalShardSampler({ length: 7, numReplicas: 2, rank: 1 }).indices(0), [1, 3, 5]);
  assert.throws(() => new EvalShardSampler({ length: 3, numReplicas: 2, rank: 2 }), /expected a rank in \[0, 1\], but got 2/);
});
