import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerializationError } from '../../errors.js';
import { tensor } from '../ops/creation.js';
import type { Tensor } from '../tensor.js';
import { load, loadSafetensors, save } from './index.js';

const fixtures = new URL('../../../test/fixtures/serialization/', import.meta.url).pathname;

function disposeAll(...records: Record<string, Tensor>[]): void {
  for (const record of records) for (const t of Object.values(record)) t.dispose();
}

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'serialization-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

void test('save writes safetensors with metadata; load reads it back', () =>
  withDir((dir) => {
    const w = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float32' },
    );
    const n = tensor([7], { dtype: 'int64' });
    save({ 'fc.weight': w, 'bn.num_batches_tracked': n }, join(dir, 'm.safetensors'), { epoch: '2' });
    const back = load(join(dir, 'm.safetensors'));
    assert.deepEqual(back['fc.weight'].toArray(), [
      [1, 2],
      [3, 4],
    ]);
    assert.equal(back['bn.num_batches_tracked'].dtype, 'int64');
    assert.deepEqual({ ...loadSafetensors(join(dir, 'm.safetensors')).metadata }, { epoch: '2' });
    const selected = load(join(dir, 'm.safetensors'), { select: 'fc' });
    assert.deepEqual(Object.keys(selected), ['weight']);
    disposeAll(back, selected, { w, n });
  }));

void test('load reads a .pth by extension and by magic bytes, whatever the name', () =>
  withDir((dir) => {
    const fromPth = load(join(fixtures, 'sequential.pth'));
    copyFileSync(join(fixtures, 'sequential.pth'), join(dir, 'weights.bin'));
    const fromMagic = load(join(dir, 'weights.bin'));
    const { tensors: reference } = loadSafetensors(join(fixtures, 'sequential.safetensors'));
    for (const [name, expected] of Object.entries(reference)) {
      assert.deepEqual(fromPth[name].data(), expected.data(), name);
      assert.deepEqual(fromMagic[name].data(), expected.data(), name);
    }
    disposeAll(fromPth, fromMagic, reference);
    const lightning = load(join(fixtures, 'nested.pth'), { select: 'state_dict' });
    assert.deepEqual(Object.keys(lightning), ['weight', 'bias']);
    disposeAll(lightning);
  }));

void test('save refuses .pth; load names missing and unreadable files', () =>
  withDir((dir) => {
    const w = tensor([1]);
    assert.throws(
      () => save({ w }, join(dir, 'x.pth')),
      /save: expected a \.safetensors path, but got .*x\.pth; writing \.pth is not supported/,
    );
    w.dispose();
    assert.throws(
      () => load(join(dir, 'none.safetensors')),
      (e: unknown) => e instanceof SerializationError && /ENOENT/.test(e.message),
    );
    copyFileSync(join(fixtures, 'malicious-system.pth'), join(dir, 'innocent.safetensors'));
    assert.throws(() => load(join(dir, 'innocent.safetensors')), /'os\.system', which is refused/);
  }));
