import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ConfigError, DataError } from '../../src/errors.js';
import { formatDataCheck } from '../../src/cli/commands/data-check.js';
import { dataCheck } from '../../src/data/data-check.js';
import { detectFormat } from '../../src/data/datamodule.js';
import { decodeImage } from '../../src/data/decode.js';
import { parseIdx } from '../../src/data/datasets/idx-dataset.js';
import { JsonlDataset, readJsonlSplit } from '../../src/data/datasets/jsonl-dataset.js';
import { walkImages } from '../../src/data/datasets/walk-images.js';
import { makeTempDir, writeSolidImage, writeText } from '../../src/data/test-images.test-helper.js';
import { Resize } from '../../src/data/transforms/resize.js';

/** A Gaussian blur over a large canvas: cheap to write, slow for an SVG renderer. */
const blurSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="8000" height="8000"><filter id="f"><feGaussianBlur stdDeviation="900"/></filter><rect width="8000" height="8000" fill="red" filter="url(#f)"/></svg>`;

void test('2. an SVG saved as .jpg is refused as SVG, by its bytes, naming the file', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const file = await writeText(path.join(root, 'cat.jpg'), blurSvg);
  const started = Date.now();
  await assert.rejects(decodeImage(file, { channels: 3 }), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.match(e.message, /expected an image in one of jpeg, png, webp, gif, tiff, bmp in .*cat\.jpg, but got SVG data/);
    return true;
  });
  assert.ok(Date.now() - started < 1000);
});

void test('2. a decode that runs past its time limit is refused naming the file', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const file = await writeText(path.join(root, 'slow.svg'), blurSvg);
  await assert.rejects(decodeImage(file, { channels: 3, formats: ['svg'], timeoutSeconds: 1 }), /slow\.svg to decode within 1 s/);
});

void test('3. a gzip IDX bomb stops inflating at the size its header declares', () => {
  const header = Buffer.from([0, 0, 8, 1, 0, 0, 0, 10]); // uint8, 1 dim: 10 bytes
  const bomb = gzipSync(Buffer.concat([header, Buffer.alloc(64 * 1024 * 1024)]));
  const started = Date.now();
  assert.throws(() => parseIdx(bomb, 'bomb-idx1-ubyte.gz'), /10 bytes of data .*but got more after gunzipping bomb-idx1-ubyte\.gz/);
  assert.ok(Date.now() - started < 150, `stopped after ${Date.now() - started} ms`);
  const liar = gzipSync(Buffer.from([0, 0, 8, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0])); // claims 2^48 bytes
  assert.throws(() => parseIdx(liar, 'liar.gz'), /expected dims a \d+-byte gzip file can hold/);
});

void test('6. JSONL labels that are not valid UTF-8 are an error with file:line', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const lines = Buffer.concat([
    Buffer.from('{"image":"a.png","suffix":"dog"}\n{"image":"b.png","suffix":"caf'),
    Buffer.from([0xe9]),
    Buffer.from('"}\n'),
  ]);
  await writeText(path.join(root, 'train/annotations.jsonl'), lines);
  await assert.rejects(readJsonlSplit(path.join(root, 'train')), /expected UTF-8 text, .*annotations\.jsonl:2$/);
});

void test('9. a Resize past 65536 is a config error, not an unreadable image', () => {
  assert.throws(() => new Resize({ size: 70_000 }), ConfigError);
  assert.throws(() => new Resize({ size: [100, 70_000] }), ConfigError);
  assert.throws(() => new Resize({ size: 100, maxSize: 70_000 }), ConfigError);
});

void test('12. an unreadable class folder is a DataError naming it and the cause, and data check reports it', async (t) => {
  const root = await makeTempDir();
  t.after(async () => {
    await chmod(path.join(root, 'train/cat'), 0o755).catch(() => {});
    await rm(root, { recursive: true, force: true });
  });
  await writeSolidImage(path.join(root, 'train/dog/1.png'), { color: [0, 0, 0] });
  await writeSolidImage(path.join(root, 'train/cat/1.png'), { color: [9, 9, 9] });
  await chmod(path.join(root, 'train/cat'), 0o000);
  if (process.getuid?.() === 0) return t.skip('root reads every folder');
  await assert.rejects(walkImages(path.join(root, 'train/cat')), /data: expected a readable folder at .*train\/cat, but got EACCES/);
  const report = await dataCheck(root, { decode: false });
  assert.match(formatDataCheck(report), /refused by training[\s\S]*EACCES/);
});

void test('12. a class folder whose name is not UTF-8 is a DataError naming the folder', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeSolidImage(path.join(root, 'train/dog/1.png'), { color: [0, 0, 0] });
  await mkdir(Buffer.concat([Buffer.from(path.join(root, 'train/caf')), Buffer.from([0xe9])]));
  await assert.rejects(walkImages(path.join(root, 'train')), /expected UTF-8 file names in .*train, but got 'caf\uFFFD'/);
  const report = await dataCheck(root, { decode: false });
  assert.match(formatDataCheck(report), /refused by training[\s\S]*not valid UTF-8/);
});

void test('13. data check refuses what training refuses: an empty train/, an empty annotations.jsonl; one class is a problem', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await mkdir(path.join(root, 'empty/train'), { recursive: true });
  const empty = await dataCheck(path.join(root, 'empty'));
  assert.ok(empty.problems > 0);
  assert.match(formatDataCheck(empty), /refused by training[\s\S]*expected images in/);
  await writeText(path.join(root, 'jsonl/train/annotations.jsonl'), '\n');
  const jsonl = await dataCheck(path.join(root, 'jsonl'), { format: 'jsonl' });
  assert.match(formatDataCheck(jsonl), /expected annotations\.jsonl rows/);
  await writeSolidImage(path.join(root, 'one/train/cat/1.png'), { color: [1, 2, 3] });
  const one = await dataCheck(path.join(root, 'one'));
  assert.equal(one.problems, 1);
  assert.match(formatDataCheck(one), /only one class \('cat'\)/);
});

void test('14. a data folder that is a file, or missing, says so', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const file = await writeText(path.join(root, 'passwd'), 'x');
  await assert.rejects(detectFormat(file), /data folder at .*passwd, but got a file, not a folder/);
  await assert.rejects(dataCheck(path.join(root, 'nope')), /data folder at .*nope, but got nothing there/);
});

void test('15. a symbolic link inside the split that points outside it is refused', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  const outside = await writeSolidImage(path.join(root, 'secret/x.png'), { color: [1, 1, 1] });
  await mkdir(path.join(root, 'data/train'), { recursive: true });
  await symlink(outside, path.join(root, 'data/train/link.png'));
  await writeFile(path.join(root, 'data/train/annotations.jsonl'), '{"image":"link.png","suffix":"a"}\n');
  await assert.rejects(
    JsonlDataset.load({ root: path.join(root, 'data'), split: 'train' }),
    /inside the split folder .*a link to .*secret\/x\.png/,
  );
});
