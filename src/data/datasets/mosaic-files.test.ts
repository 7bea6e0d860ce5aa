import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { decodeImage } from '../decode.js';
import { detectFormat } from '../split-loader.js';
import { makeTempDir, writeText } from '../test-images.test-helper.js';
import { CsvDataset } from './csv-dataset.js';
import { encodeIdx } from './idx-dataset.js';
import { MosaicDataset } from './mosaic-dataset.js';
import { writeMosaicFiles } from './mosaic-files.js';

void test('writeMosaicFiles writes PNGs and manifests that data=csv reads back as the same multi-label set', async (t) => {
  const dir = await makeTempDir();
  const out = path.join(dir, 'out');
  t.after(() => rm(dir, { recursive: true, force: true }));
  const n = 12;
  const images = Uint8Array.from({ length: n * 9 }, (_, i) => (i * 37) % 256);
  for (const prefix of ['train', 't10k']) {
    await writeText(path.join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx([n, 3, 3], images));
    await writeText(
      path.join(dir, `${prefix}-labels-idx1-ubyte`),
      encodeIdx(
        [n],
        Uint8Array.from({ length: n }, (_, i) => i % 4),
      ),
    );
  }
  const messages: string[] = [];
  const manifests = await writeMosaicFiles({ dir, out, limit: 10, onProgress: (m) => messages.push(m) });
  assert.deepEqual(
    manifests.map((m) => path.basename(m)),
    ['train.csv', 'test.csv'],
  );
  assert.equal(messages.length, 2);
  assert.match(await readFile(manifests[0], 'utf8'), /^path,labels\ntrain\/0\.png,/);
  // The manifest wins over the train/ folder of PNGs beside it.
  assert.equal(await detectFormat(out), 'csv');
  const mosaics = await MosaicDataset.load({ dir, split: 'train' });
  const read = await CsvDataset.load({ root: out, split: 'train', multiLabel: true });
  assert.equal(read.length, 10);
  assert.deepEqual(read.classes, ['0', '1', '2', '3']);
  for (let i = 0; i < 10; i++) {
    assert.deepEqual(read.labelSets?.[i], mosaics.labelSets[i]);
    const pixels = await decodeImage(read.source(i), { channels: 1 });
    assert.deepEqual(pixels.data, mosaics.source(i).data, `mosaic ${i}`);
  }
  await assert.rejects(writeMosaicFiles({ dir, out }), /expected a new or empty folder/);
});
