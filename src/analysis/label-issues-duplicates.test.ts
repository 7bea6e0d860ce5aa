import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { parseCsv } from '../training/loggers/csv.js';
import { analyzeDuplicates } from './label-issues-duplicates.js';

const root = mkdtempSync(path.join(tmpdir(), 'ct-duplicates-'));
after(() => rmSync(root, { recursive: true, force: true }));

const png = (r: number) =>
  sharp({ create: { width: 4, height: 4, channels: 3, background: { r, g: 0, b: 0 } } })
    .png()
    .toBuffer();

test('analyzeDuplicates lists each pair of identical images from different splits in duplicates.csv', async () => {
  const data = path.join(root, 'data');
  for (const dir of ['train/cat', 'train/dog', 'val/cat', 'test/dog']) mkdirSync(path.join(data, dir), { recursive: true });
  const [a, b, c] = [await png(10), await png(120), await png(250)];
  // a: in train twice (same split: not a pair) and in val and test; b: train only; c: train and val under another class.
  writeFileSync(path.join(data, 'train/cat/a.png'), a);
  writeFileSync(path.join(data, 'train/cat/a-copy.png'), a);
  writeFileSync(path.join(data, 'val/cat/a.png'), a);
  writeFileSync(path.join(data, 'test/dog/a.png'), a);
  writeFileSync(path.join(data, 'train/cat/b.png'), b);
  writeFileSync(path.join(data, 'train/dog/c.png'), c);
  writeFileSync(path.join(data, 'val/cat/c.png'), c);
  const runDir = path.join(root, 'run');
  const { pairs, summary } = await analyzeDuplicates(runDir, { root: data, format: 'folder', files: 7 });
  const rows = parseCsv(readFileSync(path.join(runDir, 'analysis', 'duplicates.csv'), 'utf8'));
  assert.deepEqual(rows[0], ['split_a', 'path_a', 'split_b', 'path_b', 'sha256']);
  const named = rows
    .slice(1)
    .map(([sa, pa, sb, pb]) => [`${sa}:${path.relative(data, pa)}`, `${sb}:${path.relative(data, pb)}`].sort().join(' = '))
    .sort();
  assert.deepEqual(named, [
    'test:test/dog/a.png = train:train/cat/a-copy.png',
    'test:test/dog/a.png = train:train/cat/a.png',
    'test:test/dog/a.png = val:val/cat/a.png',
    'train:train/cat/a-copy.png = val:val/cat/a.png',
    'train:train/cat/a.png = val:val/cat/a.png',
    'train:train/dog/c.png = val:val/cat/c.png',
  ]);
  assert.equal(pairs?.length, 6);
  assert.equal(summary, 'duplicates across splits: 6 pairs (duplicates.csv)');
});

test('analyzeDuplicates skips IDX data and data sets above maxFiles, removing an old duplicates.csv', async () => {
  const runDir = path.join(root, 'skip');
  const csv = path.join(runDir, 'analysis', 'duplicates.csv');
  mkdirSync(path.dirname(csv), { recursive: true });
  writeFileSync(csv, 'old');
  const big = await analyzeDuplicates(runDir, { root, format: 'folder', files: 11, maxFiles: 10 });
  assert.deepEqual(big, { pairs: null, summary: 'duplicates across splits: not checked (11 images: run classifier-training data check)' });
  assert.equal(existsSync(csv), false);
  const idx = await analyzeDuplicates(runDir, { root, format: 'idx', files: 70_000 });
  assert.equal(idx.summary, 'duplicates across splits: not checked (IDX data has no image files)');
});
