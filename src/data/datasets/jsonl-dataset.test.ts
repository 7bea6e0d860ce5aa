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

void test('JsonlDataset reads label lists as multi-label sets, an empty list as no positives', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const lines = [
    JSON.stringify({ image: 'a.jpg', suffix: ['dog', 'cat'] }),
    JSON.stringify({ image: 'b.jpg', labels: [] }),
    JSON.stringify({ image: 'c.jpg', labels: 'bird' }),
    JSON.stringify({ image: 'd.jpg', suffix: 'cat' }),
  ];
  await writeText(path.join(root, 'train/annotations.jsonl'), lines.join('\n'));
  await writeText(
    path.join(root, 'valid/annotations.jsonl'),
    [row('v.jpg', 'cat'), JSON.stringify({ image: 'w.jpg', labels: ['cat', 'fox'] })].join('\n'),
  );
  const train = await JsonlDataset.load({ root, split: 'train', multiLabel: true });
  assert.deepEqual(train.classes, ['bird', 'cat', 'dog']);
  assert.deepEqual(train.labelSets, [[1, 2], [], [0], [1]]);
  assert.deepEqual([...train.targets], [1, -1, 0, 1]);
  const warnings: string[] = [];
  const val = await JsonlDataset.load({ root, split: 'val', multiLabel: true, onWarning: (m) => warnings.push(m) });
  assert.deepEqual(val.labelSets, [[1]]);
  assert.match(warnings[0], /skipped 1 row\(s\).*'fox'/);
});

void test('JsonlDataset refuses several labels, or none, in a single-label run, naming file:line and task=multilabel', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const file = await writeText(
    path.join(root, 'train/annotations.jsonl'),
    [
      row('a.jpg', 'dog'),
      JSON.stringify({ image: 'b.jpg', suffix: ['dog'] }),
      JSON.stringify({ image: 'c.jpg', suffix: ['dog', 'cat'] }),
    ].join('\n'),
  );
  await assert.rejects(
    JsonlDataset.load({ root, split: 'train' }),
    (e: unknown) =>
      e instanceof DataError && e.message.includes(`got 2 ('dog', 'cat') at ${file}:3`) && e.message.includes('task=multilabel'),
  );
  await writeText(file, [row('a.jpg', 'dog'), JSON.stringify({ image: 'b.jpg', labels: [] })].join('\n'));
  await assert.rejects(JsonlDataset.load({ root, split: 'train' }), new RegExp(`got none at ${file}:2.*task=multilabel`));
  await writeText(file, [row('a.jpg', 'dog'), JSON.stringify({ image: 'b.jpg', labels: ['dog', 3, ''] })].join('\n'));
  await assert.rejects(JsonlDataset.load({ root, split: 'train', multiLabel: true }), /"labels" to be a non-empty string.*:2$/);
  await writeText(file, [row('a.jpg', 'dog'), JSON.stringify({ image: '/etc/passwd', suffix: 'cat' })].join('\n'));
  await assert.rejects(JsonlDataset.load({ root, split: 'train' }), new RegExp(`absolute path '/etc/passwd' at ${file}:2`));
});
