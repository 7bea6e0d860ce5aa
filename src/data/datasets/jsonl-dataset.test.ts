import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../../errors.js';
import { makeTempDir, writeText } from '../test-images.test-helper.js';
import { JsonlDataset } from './jsonl-dataset.js';

const row = (image: string, suffix: string): string => JSON.stringify({ image, prefix: 'class', suffix });

void test('JsonlDataset reads nested annotation files, resolves paths per file and skips unknown labels', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeText(path.join(root, 'train/annotations.jsonl'), [row('a.jpg', 'dog'), row('b.jpg', 'cat'), ''].join('\n'));
  await writeText(path.join(root, 'train/more/annotations.jsonl'), row('c.jpg', 'dog') + '\r\n');
  await writeText(
    path.join(root, 'valid/annotations.jsonl'),
    [row('v1.jpg', 'cat'), row('v2.jpg', 'bird'), row('v3.jpg', 'bird')].join('\n'),
  );
  const train = await JsonlDataset.load({ root, split: 'train' });
  assert.deepEqual(train.classes, ['cat', 'dog']);
  assert.deepEqual(
    train.paths.map((p) => path.relative(root, p)),
    ['train/a.jpg', 'train/b.jpg', 'train/more/c.jpg'],
  );
  assert.deepEqual([...train.targets], [1, 0, 1]);
  const warnings: string[] = [];
  const val = await JsonlDataset.load({ root, split: 'val', onWarning: (m) => warnings.push(m) });
  assert.equal(val.length, 1);
  assert.equal(val.skippedUnknown, 2);
  assert.match(warnings[0], /skipped 2 row\(s\).*'bird'/);
});

void test('JsonlDataset reports a malformed line and an escaping path with file:line', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const file = await writeText(
    path.join(root, 'train/annotations.jsonl'),
    [row('a.jpg', 'dog'), '{"image": "b.jpg", ', row('c.jpg', 'cat')].join('\n'),
  );
  await assert.rejects(
    JsonlDataset.load({ root, split: 'train' }),
    (e: unknown) => e instanceof DataError && e.message.includes(`${file}:2`),
  );
  await writeText(file, [row('a.jpg', 'dog'), row('../../etc/passwd', 'cat')].join('\n'));
  await assert.rejects(
    JsonlDataset.load({ root, split: 'train' }),
    (e: unknown) => e instanceof DataError && e.message.includes(`${file}:2`) && /inside the split/.test(e.message),
  );
  await writeText(file, JSON.stringify({ image: 'a.jpg' }));
  await assert.rejects(JsonlDataset.load({ root, split: 'train' }), /"suffix".*:1$/);
});

void test('JsonlDataset reads a file saved with a UTF-8 byte-order mark and CRLF line ends', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeText(path.join(root, 'train/annotations.jsonl'), '\uFEFF' + [row('a.jpg', 'dog'), '', row('b.jpg', 'cat'), ''].join('\r\n'));
  const train = await JsonlDataset.load({ root, split: 'train' });
  assert.deepEqual(train.classes, ['cat', 'dog']);
  assert.deepEqual([...train.targets], [1, 0]);
});
