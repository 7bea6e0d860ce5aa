import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { makeTempDir, writeSolidImage, writeText } from './test-images.test-helper.js';
import { ImageFolder } from './datasets/image-folder.js';
import { dataCheck } from './data-check.js';

void test('dataCheck finds unreadable files, empty and missing classes, and duplicates across splits', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const a = await writeSolidImage(path.join(root, 'train/cat/1.png'), { color: [255, 0, 0] });
  await writeSolidImage(path.join(root, 'train/cat/2.png'), { color: [250, 0, 0] });
  await writeSolidImage(path.join(root, 'train/dog/1.png'), { color: [0, 0, 255] });
  await mkdir(path.join(root, 'train/fox'));
  await writeText(path.join(root, 'train/dog/broken.jpg'), 'not a jpeg');
  await mkdir(path.join(root, 'val/cat'), { recursive: true });
  await copyFile(a, path.join(root, 'val/cat/copy.png'));
  await writeSolidImage(path.join(root, 'val/owl/1.png'), { color: [9, 9, 9] });
  const report = await dataCheck(root, { concurrency: 2 });
  assert.equal(report.format, 'folder');
  assert.deepEqual(report.splits, ['train', 'val']);
  assert.deepEqual(report.classes, ['cat', 'dog', 'fox', 'owl']);
  assert.deepEqual(report.counts, { train: { cat: 2, dog: 2, fox: 0, owl: 0 }, val: { cat: 1, dog: 0, fox: 0, owl: 1 } });
  assert.deepEqual(report.emptyClasses, [{ split: 'train', className: 'fox' }]);
  assert.deepEqual(report.missingClasses, [
    { split: 'val', className: 'dog' },
    { split: 'train', className: 'owl' },
  ]);
  assert.deepEqual(
    report.unreadable.map((u) => path.relative(root, u.path)),
    ['train/dog/broken.jpg'],
  );
  assert.equal(report.duplicates.length, 1);
  assert.deepEqual(
    report.duplicates[0].paths.map((p) => path.relative(root, p)),
    ['train/cat/1.png', 'val/cat/copy.png'],
  );
  // Training refuses both splits too (the empty class fox; the class owl train does not have), in its own words.
  assert.deepEqual(
    report.trainingErrors.map((e) => e.split),
    ['train', 'val'],
  );
  assert.equal(report.problems, 7);
});

void test('dataCheck rejects an unknown format and a bad concurrency together, before reading files', async () => {
  await assert.rejects(
    dataCheck('/nonexistent', { format: 'bogus' as 'auto', concurrency: Number.NaN }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /format: expected one of auto, folder, jsonl, idx, csv, mosaic, but got 'bogus'/.test(e.message) &&
      /concurrency: expected a positive integer, but got NaN/.test(e.message) &&
      e.issues.length === 2,
  );
});

void test('images directly under a split are reported by data check and warned about by ImageFolder', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeSolidImage(path.join(root, 'train/cat/1.png'), { color: [255, 0, 0] });
  await writeSolidImage(path.join(root, 'train/dog/1.png'), { color: [0, 0, 255] });
  await writeSolidImage(path.join(root, 'train/stray.PNG'), { color: [0, 255, 0] });
  await writeText(path.join(root, 'train/.DS_Store'), 'x');
  await writeText(path.join(root, 'train/notes.txt'), 'not an image');
  const report = await dataCheck(root);
  assert.deepEqual(
    report.strayFiles.map((f) => path.relative(root, f)),
    ['train/stray.PNG'],
  );
  assert.equal(report.problems, 1);
  const warnings: string[] = [];
  const folder = await ImageFolder.load({ root, split: 'train', onWarning: (m) => warnings.push(m) });
  assert.equal(folder.length, 2);
  assert.deepEqual(warnings, [`ImageFolder: ${path.join(root, 'train', 'stray.PNG')} is not inside a class folder and is ignored`]);
});
