import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { inspectFiles } from './inspect-files.js';
import { makeTempDir, writeSolidImage, writeText } from './test-images.test-helper.js';

// FIPS 180-2's test vector: SHA-256("abc").
const SHA256_ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

void test('duplicates: byte-identical files from more than one split, by sha256; twins within one split are not', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const at = (p: string): string => path.join(root, p);
  for (const p of ['train/a/1.txt', 'val/a/2.txt', 'train/b/3.txt']) await writeText(at(p), 'abc');
  for (const p of ['train/a/4.txt', 'train/b/5.txt']) await writeText(at(p), 'xyz');
  const files = [
    { split: 'train', file: at('train/a/1.txt') },
    { split: 'train', file: at('train/a/4.txt') },
    { split: 'val', file: at('val/a/2.txt') },
    { split: 'train', file: at('train/b/5.txt') },
    { split: 'train', file: at('train/b/3.txt') },
    { split: 'test', file: at('test/gone.txt') },
  ];
  const found = await inspectFiles(files, { decode: false, concurrency: 2 });
  assert.deepEqual(found.duplicates, [{ sha256: SHA256_ABC, paths: [at('train/a/1.txt'), at('val/a/2.txt'), at('train/b/3.txt')] }]);
  assert.deepEqual(
    found.unreadable.map((u) => [u.path, /ENOENT/.test(u.reason)]),
    [[at('test/gone.txt'), true]],
  );
});

void test('decoding finds the images that do not decode; without it they go unnoticed', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const good = await writeSolidImage(path.join(root, 'train/cat/1.png'), { color: [10, 20, 30] });
  const bad = path.join(root, 'train/cat/2.jpg');
  await writeText(bad, 'not a jpeg');
  const files = [good, bad].map((file) => ({ split: 'train', file }));
  const decoded = await inspectFiles(files);
  assert.deepEqual(
    decoded.unreadable.map((u) => u.path),
    [bad],
  );
  // The decoder's message without its component name: the report names the file already.
  assert.match(decoded.unreadable[0].reason, /^expected an image in one of jpeg, png, .* but got bytes of no known image format$/);
  assert.deepEqual(await inspectFiles(files, { decode: false }), { unreadable: [], duplicates: [] });
  assert.deepEqual(await inspectFiles([]), { unreadable: [], duplicates: [] });
});
