import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispose, storageUseCount } from '../torch/memory.js';
import { BatchPool } from './batch-pool.js';
import { DataLoader } from './data-loader.js';
import { IdxDataset } from './datasets/idx-dataset.js';
import { Rng } from './random.js';

void test('BatchPool refills memory only once the batch and every view of it are disposed', () => {
  const pool = new BatchPool({ capacity: 2 });
  const a = pool.take([2, 3]);
  a.fill_(1);
  a.dispose();
  const b = pool.take([2, 3]);
  assert.equal(pool.size, 1, 'the disposed batch is reused');
  assert.deepEqual([...b.data()], [1, 1, 1, 1, 1, 1]); // same memory, values as left
  const view = b.permute([1, 0]);
  b.dispose();
  const c = pool.take([2, 3]);
  assert.equal(pool.size, 2, 'a live view keeps the memory from reuse');
  c.fill_(7);
  assert.deepEqual([...view.contiguous().data()], [1, 1, 1, 1, 1, 1], 'the view is untouched by the next batch');
  const d = pool.take([2, 3]);
  assert.equal(pool.size, 2, 'full: unpooled memory');
  assert.equal(storageUseCount(d), 1);
  dispose([c, d]);
  const other = pool.take([4]);
  assert.equal(pool.size, 2, 'an idle tensor of another shape makes room');
  pool.clear();
  other.fill_(3);
  assert.deepEqual([...other.data()], [3, 3, 3, 3], 'a batch given out outlives clear()');
  dispose([other, view]);
  assert.throws(() => new BatchPool({ capacity: -1 }), /non-negative integer capacity/);
});

void test('DataLoader batches are the same whether the consumer keeps them or disposes them as it goes', async () => {
  const n = 40;
  const rng = new Rng(3);
  const dataset = new IdxDataset({
    images: { dims: [n, 4, 4], data: Buffer.from(Array.from({ length: n * 16 }, () => rng.int(0, 256))) },
    labels: { dims: [n], data: Buffer.from(Array.from({ length: n }, (_, i) => i % 5)) },
  });
  const options = { dataset, batchSize: 8, shuffle: true, seed: 1, prefetch: 2 };
  const kept = await new DataLoader(options).toArray(0);
  const expected = kept.map((b) => Array.from(b.images.data() as Float32Array));
  for (const reuseMemory of [true, false]) {
    const seen: number[][] = [];
    for await (const batch of new DataLoader({ ...options, reuseMemory }).epoch(0)) {
      seen.push(Array.from(batch.images.data() as Float32Array));
      dispose(batch);
    }
    assert.deepEqual(seen, expected, `reuseMemory ${reuseMemory}`);
  }
  // The kept batches were not overwritten by later ones.
  assert.deepEqual(
    kept.map((b) => Array.from(b.images.data() as Float32Array)),
    expected,
  );
  dispose(kept);
});
