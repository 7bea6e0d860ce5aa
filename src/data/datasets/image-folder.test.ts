import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../../errors.js';
import { makeTempDir, writeSolidImage, writeText } from '../test-images.test-helper.js';
import { ImageFolder } from './image-folder.js';

void test('ImageFolder lists classes sorted from train, ignores hidden entries and survives a symlink loop', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeSolidImage(path.join(root, 'train/dog/b.png'), { color: [0, 0, 255] });
  await writeSolidImage(path.join(root, 'train/dog/a.JPG'), { color: [0, 0, 255] });
  await writeSolidImage(path.join(root, 'train/cat/sub/c.webp'), { color: [255, 0, 0] });
  await writeSolidImage(path.join(root, 'train/cat/.hidden.png'), { color: [255, 0, 0] });
  await writeSolidImage(path.join(root, 'train/.git/x.png'), { color: [1, 1, 1] });
  await writeSolidImage(path.join(root, 'train/__MACOSX/y.png'), { color: [1, 1, 1] });
  await writeText(path.join(root, 'train/cat/notes.txt'), 'not an image');
  await symlink(path.join(root, 'train/cat'), path.join(root, 'train/cat/sub/loop'));
  await writeSolidImage(path.join(root, 'valid/cat/v.png'), { color: [255, 0, 0] });
  const warnings: string[] = [];
  const train = await ImageFolder.load({ root, split: 'train', onWarning: (m) => warnings.push(m) });
  assert.deepEqual(train.classes, ['cat', 'dog']);
  assert.deepEqual(
    train.paths.map((p) => path.relative(root, p)),
    ['train/cat/sub/c.webp', 'train/dog/a.JPG', 'train/dog/b.png'],
  );
  assert.deepEqual([...train.targets], [0, 1, 1]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /loop/);
  const val = await ImageFolder.load({ root, split: 'val' });
  assert.deepEqual(val.classes, ['cat', 'dog']);
  assert.deepEqual([...val.targets], [0]);
});

void test('ImageFolder rejects a val class that train lacks, naming it', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeSolidImage(path.join(root, 'train/cat/a.png'), { color: [255, 0, 0] });
  await writeSolidImage(path.join(root, 'val/bird/b.png'), { color: [0, 255, 0] });
  await assert.rejects(ImageFolder.load({ root, split: 'val' }), (e: unknown) => e instanceof DataError && /'bird'/.test(e.message));
  await assert.rejects(
    ImageFolder.load({ root, split: 'test' }),
    (e: unknown) => e instanceof DataError && /test\/ folder/.test(e.message),
  );
  await mkdir(path.join(root, 'train/empty'));
  await assert.rejects(ImageFolder.load({ root, split: 'train' }), /none in .*empty/);
});

void test('a link from a class folder up to the split does not pull other classes into it', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeSolidImage(path.join(root, 'train/cat/a.png'), { color: [255, 0, 0] });
  await writeSolidImage(path.join(root, 'train/dog/b.png'), { color: [0, 0, 255] });
  await symlink(path.join(root, 'train'), path.join(root, 'train/dog/up'));
  const warnings: string[] = [];
  const train = await ImageFolder.load({ root, split: 'train', onWarning: (m) => warnings.push(m) });
  assert.deepEqual(
    train.paths.map((p) => path.relative(root, p)),
    ['train/cat/a.png', 'train/dog/b.png'],
  );
  assert.deepEqual([...train.targets], [0, 1]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /loop at .*dog\/up/);
});
