import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../../errors.js';
import { makeTempDir, writeText } from '../test-images.test-helper.js';
import { CsvDataset } from './csv-dataset.js';

/** A data folder with empty image files (manifests only check that they exist). */
async function dataFolder(t: { after: (fn: () => Promise<void>) => void }, images: string[]): Promise<string> {
  const root = await makeTempDir('ct-csv-');
  t.after(() => rm(root, { recursive: true, force: true }));
  for (const image of images) await writeText(path.join(root, image), 'x');
  return root;
}

const rejectsAt = (promise: Promise<unknown>, location: string, pattern: RegExp) =>
  assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.ok(e.message.endsWith(location) || e.message.includes(`${location} `) || e.message.includes(`${location};`), e.message);
    assert.match(e.message, pattern);
    return true;
  });

void test('CsvDataset reads path,label manifests: quoted paths, subfolders, extra columns, val with train classes', async (t) => {
  const root = await dataFolder(t, ['img/a,1.jpg', 'img/say "hi".jpg', 'c.png', 'v.png']);
  await writeText(
    path.join(root, 'train.csv'),
    '\uFEFFpath,label,note\r\n"img/a,1.jpg",dog,x\r\n"img/say ""hi"".jpg", cat ,"multi\nline"\r\n\r\nc.png,dog,\r\n',
  );
  await writeText(path.join(root, 'valid.csv'), 'label,path\ncat,v.png\n');
  const train = await CsvDataset.load({ root, split: 'train' });
  assert.deepEqual(train.classes, ['cat', 'dog']);
  assert.deepEqual(
    train.paths.map((p) => path.relative(root, p)),
    ['img/a,1.jpg', 'img/say "hi".jpg', 'c.png'],
  );
  assert.deepEqual([...train.targets], [1, 0, 1]);
  assert.equal(train.labelSets, undefined);
  const val = await CsvDataset.load({ root, split: 'val' });
  assert.equal(path.basename(val.manifest), 'valid.csv');
  assert.deepEqual([...val.targets], [0]);
});

void test('CsvDataset reads path,labels as multi-label sets, with the default and a configured separator', async (t) => {
  const root = await dataFolder(t, ['a.jpg', 'b.jpg', 'c.jpg']);
  await writeText(path.join(root, 'train.csv'), 'path,labels\na.jpg,dog|cat\nb.jpg,\nc.jpg, bird | cat |cat\n');
  const train = await CsvDataset.load({ root, split: 'train', multiLabel: true });
  assert.deepEqual(train.classes, ['bird', 'cat', 'dog']);
  assert.deepEqual(train.labelSets, [[1, 2], [], [0, 1]]);
  assert.deepEqual([...train.targets], [1, -1, 0]);
  await writeText(path.join(root, 'train.csv'), 'path,labels\na.jpg,"dog;cat"\nb.jpg,dog\n');
  const semi = await CsvDataset.load({ root, split: 'train', multiLabel: true, separator: ';' });
  assert.deepEqual(semi.labelSets, [[0, 1], [1]]);
  // Split by '|', 'dog;cat' is one label: the separator decides what a cell holds.
  const piped = await CsvDataset.load({ root, split: 'train', separator: '|' });
  assert.deepEqual(piped.classes, ['dog', 'dog;cat']);
});

void test('CsvDataset names file:line for a malformed line, an unknown label, a missing file, a ../ escape and an absolute path', async (t) => {
  const root = await dataFolder(t, ['a.jpg', 'b.jpg']);
  const train = path.join(root, 'train.csv');
  const test_ = path.join(root, 'test.csv');
  await writeText(train, 'path,label\na.jpg,dog\nb.jpg,dog,extra\n');
  await rejectsAt(CsvDataset.load({ root, split: 'train' }), `${train}:3`, /expected 2 fields as the header has, but got 3/);
  await writeText(train, 'path,label\na.jpg,dog\n"b.jpg,cat\n');
  await rejectsAt(CsvDataset.load({ root, split: 'train' }), `${train}:3`, /never closed/);
  await writeText(train, 'path,label\na.jpg,dog\nb.jpg,cat\n');
  await writeText(test_, 'path,label\na.jpg,dog\nb.jpg,bird\n');
  await rejectsAt(
    CsvDataset.load({ root, split: 'test', classes: ['cat', 'dog'] }),
    `${test_}:3`,
    /labels among the classes \(cat, dog\), but got 'bird'/,
  );
  await rejectsAt(CsvDataset.load({ root, split: 'test' }), `${test_}:3`, /but got 'bird'/);
  await writeText(train, 'path,label\na.jpg,dog\n\nmissing.jpg,cat\n');
  await rejectsAt(CsvDataset.load({ root, split: 'train' }), `${train}:4`, /expected an image file at .*missing\.jpg, but got ENOENT/);
  await writeText(train, 'path,label\na.jpg,dog\n../outside.jpg,cat\n');
  await rejectsAt(CsvDataset.load({ root, split: 'train' }), `${train}:3`, /inside the manifest's folder .*'\.\.\/outside\.jpg'/);
  await writeText(train, 'path,label\n/etc/hostname,dog\nb.jpg,cat\n');
  await rejectsAt(CsvDataset.load({ root, split: 'train' }), `${train}:2`, /absolute path '\/etc\/hostname'/);
});

void test('CsvDataset refuses a link that leaves the folder, a bad header and several labels in a single-label run', async (t) => {
  const root = await dataFolder(t, ['a.jpg']);
  const outside = await dataFolder(t, ['secret.jpg']);
  await symlink(path.join(outside, 'secret.jpg'), path.join(root, 'link.jpg'));
  const train = path.join(root, 'train.csv');
  await writeText(train, 'path,label\na.jpg,dog\nlink.jpg,cat\n');
  await rejectsAt(CsvDataset.load({ root, split: 'train' }), `${train}:3`, /a link to .*secret\.jpg/);
  await writeText(train, 'file,label\na.jpg,dog\n');
  await rejectsAt(CsvDataset.load({ root, split: 'train' }), `${train}:1`, /a path column and either a label or a labels column/);
  await writeText(train, 'path,labels\na.jpg,dog|cat\n');
  await rejectsAt(CsvDataset.load({ root, split: 'train' }), `${train}:2`, /got 2 \('dog', 'cat'\).*task=multilabel/);
  await writeText(train, 'path,labels\n');
  await assert.rejects(CsvDataset.load({ root, split: 'train' }), /expected rows below the header/);
});
