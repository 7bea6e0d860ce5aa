/**
 * DistributedSampler: PyTorch's shards for every size, replica count and
 * drop_last setting (fixture from scripts/fixtures/distributed_sampler.py,
 * shuffle=False so the order is the padding arithmetic alone), and with
 * shuffling the shard union covers the data set exactly once per epoch.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DistributedSampler } from '../../src/data/samplers/distributed-sampler.js';
import { SequentialSampler } from '../../src/data/samplers/sampler.js';

interface Case {
  length: number;
  numReplicas: number;
  dropLast: boolean;
  shards: number[][];
}
const cases = JSON.parse(readFileSync(new URL('../fixtures/distributed-sampler/shards.json', import.meta.url), 'utf8')) as Case[];

test("shards equal torch.utils.data.DistributedSampler's (shuffle=False), padded or dropped", () => {
  assert.equal(cases.length, 60);
  for (const { length, numReplicas, dropLast, shards } of cases) {
    for (let rank = 0; rank < numReplicas; rank++) {
      const sampler = new DistributedSampler({ length, numReplicas, rank, shuffle: false, dropLast });
      const where = `length ${length}, ${numReplicas} replicas, rank ${rank}, dropLast ${dropLast}`;
      assert.deepEqual(sampler.indices(3), shards[rank], where);
      assert.equal(sampler.length, shards[rank].length, where);
    }
  }
});

test('with shuffling, the shard union covers the data set exactly once per epoch, in a new order each epoch', () => {
  const length = 103;
  for (const numReplicas of [1, 2, 3, 4]) {
    const padded = length % numReplicas !== 0;
    const union = (epoch: number) =>
      Array.from({ length: numReplicas }, (_, rank) =>
        new DistributedSampler({ length, numReplicas, rank, seed: 7, dropLast: false }).indices(epoch),
      );
    for (const epoch of [0, 1, 2]) {
      const shards = union(epoch);
      const counts = new Map<number, number>();
      for (const index of shards.flat()) counts.set(index, (counts.get(index) ?? 0) + 1);
      assert.equal(counts.size, length, `every index appears (${numReplicas} replicas, epoch ${epoch})`);
      const repeats = shards.flat().length - length;
      assert.ok(repeats < numReplicas, `padding repeats fewer than numReplicas indices, got ${repeats}`);
      if (!padded)
        assert.ok(
          [...counts.values()].every((c) => c === 1),
          'each index exactly once',
        );
    }
    assert.notDeepEqual(union(0), union(1), 'epochs are shuffled differently');
    assert.deepEqual(union(2), union(2), 'an epoch is reproducible from the seed');
  }
});

test('dropLast trims to whole shards; a base sampler is sharded in its own order; bad ranks are refused', () => {
  const shards = [0, 1, 2].map((rank) => new DistributedSampler({ length: 10, numReplicas: 3, rank, seed: 1, dropLast: true }).indices(0));
  assert.deepEqual(
    shards.map((s) => s.length),
    [3, 3, 3],
  );
  assert.equal(new Set(shards.flat()).size, 9);
  const base = new SequentialSampler(6);
  assert.deepEqual(new DistributedSampler({ length: 6, numReplicas: 2, rank: 1, base }).indices(0), [1, 3, 5]);
  assert.throws(() => new DistributedSampler({ length: 6, numReplicas: 2, rank: 2 }), /expected a rank in \[0, 1\], but got 2/);
});
