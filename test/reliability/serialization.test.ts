import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerializationError } from '../../src/errors.js';
import { memory } from '../../src/torch/memory.js';
import { load, parsePth, parseSafetensors, serializeSafetensors } from '../../src/torch/serialization/index.js';
import { tensor } from '../../src/torch/ops/creation.js';
import type { Tensor } from '../../src/torch/tensor.js';
import { pickle, pthArchive, safetensorsBytes, tensorOpcodes } from './hostile-files.js';

const oneFloat = new Uint8Array(4);

function disposeAll(record: Record<string, Tensor>): void {
  for (const t of Object.values(record)) t.dispose();
}

/** The call throws a SerializationError naming `source`, and leaves no tensor behind. */
function refusesCleanly(fn: () => unknown, source: string, pattern: RegExp): void {
  const before = memory().liveTensors;
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof SerializationError, String(error));
    assert.ok(error.message.includes(source), `names ${source}: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
  assert.equal(memory().liveTensors, before, 'no tensor leaked');
}

void test('1. a shared-reference "billion laughs" .pth is refused early, naming the file', () => {
  // One tensor, then 20 times DUP + TUPLE2: 2^20 references to it in a few hundred bytes.
  const laughs = Array.from({ length: 20 }, () => [0x32, 0x86]).flat();
  const bytes = pthArchive(pickle(tensorOpcodes([1], [1]), laughs), { '0': oneFloat });
  const started = Date.now();
  refusesCleanly(() => parsePth(bytes, 'laughs.pth'), 'laughs.pth', /shared|references/);
  assert.ok(Date.now() - started < 2000, `refused in ${Date.now() - started} ms`);
});

void test('1. a tensor referenced twice (tied weights) still loads under both names', () => {
  const body = [0x28, ...tensorOpcodes([1], [1]), 0x32, 0x74]; // (t, t)
  const sd = parsePth(pthArchive(pickle(body), { '0': oneFloat }), 'tied.pth');
  assert.deepEqual(Object.keys(sd), ['0', '1']);
  disposeAll(sd);
});

void test('5. a tensor named __proto__ in safetensors is an ordinary entry, and such a record round-trips', () => {
  const record = Object.create(null) as Record<string, Tensor>;
  record['__proto__'] = tensor([1, 2]);
  record['w'] = tensor([3]);
  const bytes = serializeSafetensors(record);
  const { tensors } = parseSafetensors(bytes, 'proto.safetensors');
  assert.deepEqual(Object.keys(tensors).sort(), ['__proto__', 'w']);
  assert.equal(Object.getPrototypeOf(tensors), null);
  assert.deepEqual([...tensors['__proto__'].data()], [1, 2]);
  disposeAll(tensors);
  disposeAll(record);
});

void test('5. a tensor named __proto__ in a .pth is an ordinary entry', () => {
  // {'__proto__': t} as EMPTY_DICT, key, value, SETITEM
  const body = [0x7d, 0x8c, 9, ...Buffer.from('__proto__'), ...tensorOpcodes([1], [1]), 0x73];
  const before = memory().liveTensors;
  const sd = parsePth(pthArchive(pickle(body), { '0': oneFloat }), 'proto.pth');
  assert.equal(Object.getPrototypeOf(sd), null);
  assert.deepEqual(Object.keys(sd), ['__proto__']);
  disposeAll(sd);
  assert.equal(memory().liveTensors, before);
});

void test('10. a safetensors file whose second tensor has an overflowing zero-element shape frees the first and names the file', () => {
  const header = JSON.stringify({
    a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    b: { dtype: 'F32', shape: [2 ** 40, 2 ** 40, 0], data_offsets: [4, 4] },
  });
  refusesCleanly(() => parseSafetensors(safetensorsBytes(header, oneFloat), 'overflow.safetensors'), 'overflow.safetensors', /shape/);
});

void test('10. a .pth view with an overflowing stride-0 size names the file', () => {
  const bytes = pthArchive(pickle(tensorOpcodes([2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1], [0, 0, 0])), { '0': oneFloat });
  refusesCleanly(() => parsePth(bytes, 'stride0.pth'), 'stride0.pth', /size/);
});

void test('11. duplicate keys in a safetensors header are refused as duplicates, identical or not', () => {
  const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  const header = `{"a":${entry},"a":${entry}}`;
  refusesCleanly(() => parseSafetensors(safetensorsBytes(header, oneFloat), 'dup.safetensors'), 'dup.safetensors', /duplicate/);
});

void test('11. load() sniffs the bytes: a .pth renamed .safetensors loads, and junk says what it is', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reliability-'));
  try {
    const renamed = join(dir, 'model.safetensors');
    writeFileSync(renamed, pthArchive(pickle(tensorOpcodes([1], [1])), { '0': oneFloat }));
    const sd = load(renamed);
    assert.deepEqual(Object.keys(sd), ['']);
    disposeAll(sd);
    const gzip = join(dir, 'weights.safetensors');
    writeFileSync(gzip, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4]));
    refusesCleanly(() => load(gzip), 'weights.safetensors', /gzip/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
