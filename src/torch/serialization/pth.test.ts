import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerializationError } from '../../errors.js';
import { memory, tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { loadPth, parsePth } from './pth.js';
import { loadSafetensors } from './safetensors.js';

const fixtures = new URL('../../../test/fixtures/serialization/', import.meta.url).pathname;
const script = new URL('../../../scripts/fixtures/serialization.py', import.meta.url).pathname;

function disposeAll(...records: Record<string, Tensor>[]): void {
  for (const record of records) for (const t of Object.values(record)) t.dispose();
}

/** Every tensor of `X.pth` equals the one PyTorch wrote to `X.safetensors`: same names, dtype, shape and values. */
function assertMatchesReference(pthName: string, referenceName = pthName): Record<string, Tensor> {
  const loaded = loadPth(join(fixtures, `${pthName}.pth`));
  const { tensors: reference } = loadSafetensors(join(fixtures, `${referenceName}.safetensors`));
  assert.deepEqual(Object.keys(loaded).sort(), Object.keys(reference).sort());
  for (const [name, expected] of Object.entries(reference)) {
    const t = loaded[name];
    assert.equal(t.dtype, expected.dtype, name);
    assert.deepEqual(t.shape, expected.shape, name);
    assert.deepEqual(t.data(), expected.data(), name);
  }
  disposeAll(reference);
  return loaded;
}

function rejects(name: string, pattern: RegExp): void {
  assert.throws(
    () => loadPth(join(fixtures, name)),
    (error: unknown) => {
      assert.ok(error instanceof SerializationError, String(error));
      assert.match(error.message, /expected .*, but got /);
      assert.ok(error.message.includes(name), `the message names the file: ${error.message}`);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

void test('a Sequential state dict (OrderedDict with _metadata, int64 num_batches_tracked) loads in order', () => {
  const sd = assertMatchesReference('sequential');
  assert.deepEqual(Object.keys(sd), [
    '0.weight',
    '0.bias',
    '1.weight',
    '1.bias',
    '1.running_mean',
    '1.running_var',
    '1.num_batches_tracked',
    '2.weight',
    '2.bias',
  ]);
  assert.equal(sd['1.num_batches_tracked'].dtype, 'int64');
  assert.equal(sd['1.num_batches_tracked'].item(), 1);
  assert.equal(sd['0.weight'].requiresGrad, false);
  disposeAll(sd);
});

void test('every dtype, including a 0-d and an empty tensor', () => {
  disposeAll(assertMatchesReference('dtypes'));
});

void test("a file saved with byteorder 'big' is swapped back", () => {
  disposeAll(assertMatchesReference('big-endian', 'dtypes'));
});

void test('a deflate-compressed archive reads the same', () => {
  disposeAll(assertMatchesReference('sequential-deflated', 'sequential'));
});

void test('views keep their offset, size and stride, and still share their storage', () => {
  const views = assertMatchesReference('views');
  assert.deepEqual(views.transposed.strides(), [1, 6]);
  assert.deepEqual(views.strided.strides(), [6, 2]);
  assert.deepEqual(views.expanded.strides(), [0, 1]);
  views.base.add_(100); // PyTorch loads these as views of one storage: a write shows through all of them
  assert.equal(views.element.item(), 115);
  assert.deepEqual((views.corner.toArray() as number[][])[0], [108, 109, 110, 111]);
  disposeAll(views);
});

void test('nested dicts, lists and tuples flatten to dotted names; non-tensors are dropped; a Parameter keeps requires_grad', () => {
  const nested = assertMatchesReference('nested');
  assert.equal(nested.parameter.requiresGrad, true);
  assert.equal(nested['state_dict.weight'].requiresGrad, false);
  disposeAll(nested);
  const selected = loadPth(join(fixtures, 'nested.pth'), { select: 'state_dict' });
  assert.deepEqual(Object.keys(selected), ['weight', 'bias']);
  disposeAll(selected);
  assert.throws(
    () => loadPth(join(fixtures, 'nested.pth'), { select: 'model' }),
    /tensors under 'model' \(option select\), but got none; top-level names are state_dict, optimizer, pair, parameter/,
  );
  const single = loadPth(join(fixtures, 'single.pth'));
  assert.deepEqual(Object.keys(single), ['']);
  assert.deepEqual(single[''].shape, [3, 2]);
  disposeAll(single);
});

void test('malicious pickles are refused by name and nothing runs', () => {
  const marker = '/tmp/classifier-training-pwned';
  rmSync(marker, { force: true });
  rejects('malicious-system.pth', /but got 'os\.system', which is refused and was not run/);
  rejects('malicious-exec.pth', /but got 'builtins\.exec', which is refused and was not run/);
  assert.equal(existsSync(marker), false);
});

void test('damaged and unsupported files get a SerializationError naming the file and what was expected', () => {
  const before = memory().liveTensors;
  rejects('bad-view.pth', /a view inside storage '0' \(4 elements\), but got offset 0, size \[3, 2\], stride \[2, 1\] reaching element 5/);
  rejects('bad-offset.pth', /a view inside storage '0'/);
  rejects('truncated-storage.pth', /40 bytes in storage '0' \(10 float32 elements\), but got 16 bytes/);
  rejects('complex.pth', /a storage of a supported dtype: FloatStorage \(float32\), .*, but got 'torch\.ComplexFloatStorage'/);
  rejects('missing-storage.pth', /a storage entry 'archive\/data\/7', but got none/);
  rejects('no-data-pkl.pth', /a torch\.save archive with <name>\/data\.pkl, but got a zip with 1 entries \(archive\/version\)/);
  rejects('legacy.pth', /the zip format of torch\.save .* but got the legacy pickle format/);
  rejects('does-not-exist.pth', /a readable file at .* but got ENOENT/);
  assert.equal(memory().liveTensors, before, 'no tensor was made for a refused file');
});

void test('bytes damaged after saving: truncation, a flipped byte, not a zip', () => {
  const good = readFileSync(join(fixtures, 'sequential.pth'));
  assert.throws(() => parsePth(good.subarray(0, good.byteLength - 30), 'cut.pth'), /zip: cut\.pth: expected a zip archive/);
  assert.throws(() => parsePth(good.subarray(0, 10), 'tiny.pth'), /zip: tiny\.pth: expected a zip archive .*, but got a 10-byte file/);
  const flipped = Buffer.from(good);
  flipped[1500] ^= 0xff; // inside a storage: the CRC catches it
  assert.throws(() => parsePth(flipped, 'flipped.pth'), /zip: flipped\.pth: expected CRC-32 .* \(the file is damaged\)/);
  assert.throws(() => parsePth(Buffer.from('hello world, not a zip at all'), 'text.pth'), SerializationError);
});

const python = '/usr/bin/python3';
const hasTorchvision = existsSync(python) && spawnSync(python, ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0;

void test(
  'torchvision resnet18 state dict: 122 keys, shapes and values equal to a safetensors copy',
  { skip: !hasTorchvision && 'needs /usr/bin/python3 with torchvision' },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'resnet18-'));
    try {
      const made = spawnSync(python, [script, 'resnet18', dir], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const sd = loadPth(join(dir, 'resnet18.pth'));
      const { tensors: reference } = loadSafetensors(join(dir, 'resnet18.safetensors'));
      assert.equal(Object.keys(sd).length, 122);
      assert.deepEqual(Object.keys(sd).sort(), Object.keys(reference).sort());
      assert.deepEqual(sd['conv1.weight'].shape, [64, 3, 7, 7]);
      assert.deepEqual(sd['fc.weight'].shape, [1000, 512]);
      assert.equal(sd['layer4.1.bn2.num_batches_tracked'].dtype, 'int64');
      for (const [name, expected] of Object.entries(reference)) {
        assert.deepEqual(sd[name].shape, expected.shape, name);
        assert.equal(sd[name].dtype, expected.dtype, name);
        assert.equal(
          tidy(() => sd[name].eq(expected).all().item()),
          1,
          name,
        );
      }
      disposeAll(sd, reference);
    } finally {
      rmSync(dir, { recursive: true });
    }
  },
);
