// Tensor lifetime: tidy scopes, keep, dispose and the live-tensor count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispose, keep, memory, tidy } from './memory.js';
import { ones, zeros } from './ops/creation.js';
import { Tensor } from './tensor.js';

const live = (): number => memory().liveTensors;

void test('tidy frees intermediates and keeps the result', () => {
  const before = live();
  const x = ones([4]);
  const y = tidy(() => x.mul(2).add(1).sqrt());
  assert.equal(live(), before + 2);
  assert.equal(x.isDisposed, false);
  assert.equal(y.isDisposed, false);
  assert.deepEqual(y.toArray(), [Math.sqrt(3), Math.sqrt(3), Math.sqrt(3), Math.sqrt(3)].map(Math.fround));
  dispose([x, y]);
  assert.equal(live(), before);
});

void test('tidy keeps tensors nested in arrays, Maps, Sets and plain objects', () => {
  const before = live();
  const result = tidy(() => {
    const a = ones([2]);
    a.add(1); // an intermediate that must go
    return { list: [a.mul(2), { deep: a.mul(3) }], map: new Map([['k', a.mul(4)]]), set: new Set([a.mul(5)]), n: 1 };
  });
  assert.equal(live(), before + 4);
  assert.deepEqual(result.list[0] instanceof Tensor && result.list[0].toArray(), [2, 2]);
  dispose([result.list, result.map.get('k'), ...result.set]);
  assert.equal(live(), before);
});

void test('keep() survives the scope; nested scopes hand results outwards', () => {
  const before = live();
  let kept: Tensor | undefined;
  const outer = tidy(() => {
    const inner = tidy(() => {
      kept = keep(zeros([3]));
      zeros([3]);
      return ones([3]);
    });
    assert.equal(inner.isDisposed, false);
    return inner.mul(5);
  });
  assert.equal(kept?.isDisposed, false);
  assert.deepEqual(outer.toArray(), [5, 5, 5]);
  assert.equal(live(), before + 2);
  dispose([kept, outer]);
  assert.equal(live(), before);
});

void test('tidy frees everything when fn throws', () => {
  const before = live();
  assert.throws(
    () =>
      tidy(() => {
        ones([2]).mul(2);
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(live(), before);
});

void test('tidy refuses a Promise and frees what the function made', async () => {
  const before = live();
  let made: Tensor | undefined;
  assert.throws(
    () =>
      tidy(() => {
        made = ones([2]);
        return Promise.resolve(made);
      }),
    {
      name: 'TypeError',
      message: /tidy: expected a synchronous function/,
    },
  );
  assert.equal(made?.isDisposed, true);
  assert.equal(live(), before);
  await Promise.resolve();
});

void test('dispose twice is safe; a disposed tensor throws "Tensor is disposed."', () => {
  const before = live();
  const t = ones([2]);
  t.dispose();
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.equal(live(), before);
  assert.throws(() => t.add(1), /Tensor is disposed \(it was float32 \[2\]\)\./);
  assert.throws(() => t.shape, /Tensor is disposed \(it was float32 \[2\]\)\./);
  assert.throws(() => t.data(), /Tensor is disposed \(it was float32 \[2\]\)\./);
  assert.equal(String(t), 'Tensor(disposed)');
  {
    using scoped = zeros([1]);
    assert.equal(scoped.isDisposed, false);
  }
  assert.equal(live(), before);
});

void test('memory() counts bytes, and a loop inside tidy stays flat', () => {
  const before = memory();
  const t = zeros([10, 10]);
  assert.equal(memory().bytes - before.bytes, 400);
  for (let step = 0; step < 50; step++)
    tidy(() => {
      t.add(step).mul(2).sum();
    });
  assert.equal(live(), before.liveTensors + 1);
  t.dispose();
  assert.equal(memory().bytes, before.bytes);
  assert.ok(memory().rssBytes > 0);
});
