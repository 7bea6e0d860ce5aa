import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerializationError } from '../../errors.js';
import { tensor } from '../ops/creation.js';
import { load } from './index.js';
import { loadSafetensors, parseSafetensors, saveSafetensors, serializeSafetensors } from './safetensors.js';

const fixtures = new URL('../../../test/fixtures/serialization/', import.meta.url).pathname;

/** A safetensors file from a header object and a data section. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), headerText = JSON.stringify(header)): Uint8Array {
  const json = Buffer.from(headerText);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.byteLength));
  return Buffer.concat([head, json, data]);
}

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => parseSafetensors(bytes, 'bad.safetensors'),
    (error: unknown) => {
      assert.ok(error instanceof SerializationError, String(error));
      assert.match(error.message, /^safetensors: bad\.safetensors: expected .*, but got /);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

void test('reads the file PyTorch wrote: every dtype with its exact values', () => {
  const { tensors } = loadSafetensors(join(fixtures, 'dtypes.safetensors'));
  assert.deepEqual(tensors.float32.data(), new Float32Array([1.5, -0, Infinity, -Infinity, 3.4e38, 1e-45]));
  assert.deepEqual(tensors.int64.data(), new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n]));
  assert.deepEqual(tensors.int32.data(), new Int32Array([-(2 ** 31), 2 ** 31 - 1, 7]));
  assert.deepEqual(tensors.int16.data(), new Int16Array([-(2 ** 15), 2 ** 15 - 1]));
  assert.deepEqual(tensors.int8.data(), new Int8Array([-128, 127, -1]));
  assert.deepEqual(tensors.uint8.toArray(), [
    [0, 255],
    [128, 1],
  ]);
  assert.deepEqual(tensors.bool.toArray(), [true, false, true]);
  // float16 / bfloat16 widen exactly: these are the nearest representable values PyTorch stored.
  assert.deepEqual(tensors.float16.data(), new Float32Array([0.0999755859375, -65504, 5.960464477539063e-8, 1]));
  assert.deepEqual(tensors.bfloat16.data(), new Float32Array([0.10009765625, -3.00405527047391e38, 1, 7]));
  assert.deepEqual(tensors.scalar.shape, []);
  assert.deepEqual(tensors.empty.shape, [0, 3]);
  for (const t of Object.values(tensors)) t.dispose();
});

void test('round trip keeps dtype, shape, bytes and metadata for every dtype', () => {
  const { tensors } = loadSafetensors(join(fixtures, 'dtypes.safetensors'));
  const bytes = serializeSafetensors(tensors, { epoch: '3', note: 'ünïcode' });
  const back = parseSafetensors(bytes);
  assert.deepEqual({ ...back.metadata }, { epoch: '3', note: 'ünïcode' });
  assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    assert.equal(back.tensors[name].dtype, t.dtype, name);
    assert.deepEqual(back.tensors[name].shape, t.shape, name);
    assert.deepEqual(back.tensors[name].data(), t.data(), name);
  }
  assert.equal((bytes.readUInt32LE(0) + 8) % 8, 0, 'the header is padded to 8 bytes');
  for (const t of [...Object.values(tensors), ...Object.values(back.tensors)]) t.dispose();
});

void test('saveSafetensors writes atomically and a non-contiguous tensor is saved as its values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-'));
  try {
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: 'float32' },
    );
    const xt = x.t();
    saveSafetensors({ xt }, join(dir, 'a.safetensors'));
    assert.deepEqual(readdirSync(dir), ['a.safetensors']);
    const { tensors } = loadSafetensors(join(dir, 'a.safetensors'));
    assert.deepEqual(tensors.xt.toArray(), [
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    for (const t of [x, xt, tensors.xt]) t.dispose();
  } finally {
    rmSync(dir, { recursive: true });
  }
});

void test('refuses to save a tensor named __metadata__ or a non-string metadata value', () => {
  const x = tensor([1]);
  assert.throws(() => serializeSafetensors({ __metadata__: x }), SerializationError);
  assert.throws(() => serializeSafetensors({ x }, { n: 3 as unknown as string }), SerializationError);
  x.dispose();
});

const f32 = (n: number): Uint8Array => new Uint8Array(4 * n);

void test('malformed files each get a SerializationError naming the problem', () => {
  rejects(new Uint8Array(5), /at least 8 bytes/);
  const truncated = file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(2));
  rejects(truncated.subarray(0, 20), /header length/);
  rejects(truncated.subarray(0, truncated.byteLength - 1), /'a' to end inside the 7-byte data section/);
  const huge = Buffer.alloc(16);
  huge.writeBigUInt64LE(2n ** 63n);
  rejects(huge, /header length/);
  rejects(file(null, undefined, '{"a": '), /UTF-8 JSON header/);
  rejects(file(null, undefined, '[1, 2]'), /JSON object as the header, but got an array/);
  rejects(file({ a: [1] }), /tensor 'a' as an object/);
  rejects(file({ a: { dtype: 'F8', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)), /dtype among F32, .*, but got "F8"/);
  rejects(file({ a: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, f32(2)), /shape of at most 64 non-negative integers/);
  rejects(file({ a: { dtype: 'F32', shape: [2.5], data_offsets: [0, 8] } }, f32(2)), /shape/);
  rejects(file({ a: { dtype: 'F32', shape: [2], data_offsets: [-8, 0] } }, f32(2)), /data_offsets \[begin, end\]/);
  rejects(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0] } }, f32(2)), /data_offsets/);
  rejects(file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(2)), /to span 12 bytes, but got data_offsets \[0, 8\]/);
  rejects(file({ a: { dtype: 'F32', shape: [2 ** 30, 2 ** 30], data_offsets: [0, 8] } }, f32(2)), /to span/);
  rejects(file({ a: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, f32(2)), /end inside the 8-byte data section/);
  rejects(
    file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)),
    /an overlap/,
  );
  rejects(file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), /a gap/);
  rejects(file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)), /whole 8-byte data section, but got 4 bytes covered/);
  rejects(file({ __metadata__: ['x'] }), /__metadata__ as an object of strings/);
  rejects(file({ __metadata__: { epoch: 3 } }), /__metadata__\.epoch to be a string, but got number/);
  rejects(file({ a: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, new Uint8Array([1, 7])), /only bytes 0 and 1/);
});

void test('an empty record and a missing file', () => {
  const empty = parseSafetensors(file({}));
  assert.deepEqual([Object.keys(empty.tensors), Object.keys(empty.metadata)], [[], []]);
  const dir = mkdtempSync(join(tmpdir(), 'st-'));
  try {
    writeFileSync(join(dir, 'empty.safetensors'), new Uint8Array(0));
    assert.throws(() => loadSafetensors(join(dir, 'empty.safetensors')), /at least 8 bytes \(the header length\), but got a 0-byte file/);
    assert.throws(
      () => loadSafetensors(join(dir, 'missing.safetensors')),
      (e: unknown) => e instanceof SerializationError && /ENOENT/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

void test('loadSafetensors and load read a file over 2 GiB (the largest zoo weights), which one readFileSync refuses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'safetensors-big-'));
  const path = join(dir, 'big.safetensors');
  const length = 2 ** 31 + 8;
  try {
    const head = file({ big: { dtype: 'U8', shape: [length], data_offsets: [0, length] } });
    writeFileSync(path, head);
    // Sparse: the zeros take no disk and read at memory speed.
    truncateSync(path, head.byteLength + length);
    const { tensors } = loadSafetensors(path);
    assert.deepEqual(tensors.big.shape, [length]);
    tensors.big.dispose();
    const loaded = load(path);
    assert.deepEqual(loaded.big.shape, [length]);
    loaded.big.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
