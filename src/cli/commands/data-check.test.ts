import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import type { DataCheckReport } from '../../data/data-check.js';
import { makeTempDir, writeSolidImage } from '../../data/test-images.test-helper.js';
import { formatDataCheck, register } from './data-check.js';

void test('formatDataCheck: a class x split table, then one section per kind of finding and the count', () => {
  const report: DataCheckReport = {
    root: '/data/pets',
    format: 'folder',
    splits: ['train', 'val'],
    classes: ['cat', 'dog', 'owl'],
    counts: { train: { cat: 2, dog: 2, owl: 0 }, val: { cat: 1, dog: 0, owl: 1 } },
    emptyClasses: [{ split: 'train', className: 'fox' }],
    missingClasses: [
      { split: 'val', className: 'dog' },
      { split: 'train', className: 'owl' },
    ],
    unreadable: [{ path: '/data/pets/train/dog/broken.jpg', reason: 'not an image' }],
    duplicates: [{ sha256: 'ab', paths: ['/data/pets/train/cat/1.png', '/data/pets/val/cat/copy.png'] }],
    strayFiles: ['/data/pets/train/stray.PNG'],
    trainingErrors: [
      { split: 'train', reason: 'empty class fox' },
      { split: 'val', reason: 'class owl not in train' },
    ],
    singleClass: null,
    problems: 8,
  };
  const text = formatDataCheck(report);
  assert.match(text, /^\/data\/pets \(folder\): 3 classes, train 4, val 2$/m);
  assert.match(text, /^ {2}cat +2 +1$/m);
  assert.match(text, /^ {2}total +4 +2$/m);
  assert.match(text, /unreadable files \(1\):\n {2}\/data\/pets\/train\/dog\/broken\.jpg: not an image/);
  assert.match(text, /empty classes \(1\):\n {2}train\/fox/);
  assert.match(text, /dog: not in val\n {2}owl: not in train/);
  assert.match(text, /duplicates across splits \(1\):\n {2}\/data\/pets\/train\/cat\/1\.png == \/data\/pets\/val\/cat\/copy\.png/);
  assert.match(text, /images outside a class folder \(ignored in training\) \(1\):\n {2}\/data\/pets\/train\/stray\.PNG/);
  assert.match(text, /refused by training \(2\):\n {2}train: empty class fox\n {2}val: class owl not in train/);
  assert.match(text, /8 problem\(s\) found$/);
  assert.match(formatDataCheck({ ...report, singleClass: 'cat', problems: 0 }), /only one class \('cat'\)/);
});

void test('register adds `data check` to a commander program', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeSolidImage(path.join(root, 'train/cat/1.png'), { color: [1, 2, 3] });
  await writeSolidImage(path.join(root, 'train/dog/1.png'), { color: [3, 2, 1] }); // one class alone is a problem (exit code 1)
  const program = new Command('classifier-training').exitOverride();
  register(program);
  const logs: string[] = [];
  t.mock.method(console, 'log', (m: string) => logs.push(m));
  await program.parseAsync(['node', 'x', 'data', 'check', root, '--json']);
  assert.equal(JSON.parse(logs[0]).counts.train.cat, 1);
});
