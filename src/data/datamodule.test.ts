import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, DataError } from '../errors.js';
import { dispose, tidy } from '../torch/memory.js';
import { ImageClassificationDataModule } from './datamodule.js';
import { encodeIdx, FASHION_MNIST_DIR } from './datasets/idx-dataset.js';
import { makeTempDir, writeSolidImage, writeText } from './test-images.test-helper.js';

const small = [
  { name: 'Resize', size: [6, 6] },
  { name: 'Normalize', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
];

void test('a folder without val gets a stratified split; loaders, weights and labels mapping follow', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  for (let i = 0; i < 10; i++)
    await writeSolidImage(path.join(root, `train/${i < 8 ? 'ant' : 'bee'}/${i}.png`), { color: [i * 20, 0, 0], width: 9, height: 7 });
  await writeSolidImage(path.join(root, 'test/bee/t.png'), { color: [0, 0, 0] });
  const warnings: string[] = [];
  const dm = new ImageClassificationDataModule(
    {
      root,
      batchSize: 4,
      valFraction: 0.25,
      trainTransforms: small,
      evalTransforms: [...small.slice(0, 1), { name: 'CenterCrop', size: 4 }, small[1]],
      sampler: 'weighted',
    },
    { onWarning: (m) => warnings.push(m) },
  );
  await dm.setup('fit');
  assert.equal(dm.format, 'folder');
  assert.deepEqual(dm.idxToClass, ['ant', 'bee']);
  assert.deepEqual(dm.classToIdx, { ant: 0, bee: 1 });
  assert.equal(dm.val?.length, 3); // round(8 * 0.25) + max(1, round(2 * 0.25))
  assert.equal(dm.train?.length, 7);
  assert.deepEqual(dm.classWeights(), [(2 * (1 / 6)) / (1 / 6 + 1), (2 * 1) / (1 / 6 + 1)]);
  const [batch] = await dm.trainLoader().toArray(0);
  assert.deepEqual(batch.images.shape, [4, 3, 6, 6]);
  dispose(batch);
  const val = await dm.valLoader().toArray(0);
  assert.deepEqual(val[0].images.shape, [3, 3, 4, 4]);
  dispose(val);
  await dm.setup('test');
  assert.deepEqual(Array.from(dm.test?.targets ?? []), [1]);
  const file = await dm.writeLabelsMapping(path.join(root, 'export'));
  const mapping = JSON.parse(await readFile(file, 'utf8'));
  assert.deepEqual(mapping, {
    numClasses: 2,
    classToIdx: { ant: 0, bee: 1 },
    idxToClass: { 0: 'ant', 1: 'bee' },
    normalization: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    inputSize: [3, 4, 4],
    resize: [6, 6],
    crop: 4,
  });
  const predicted = await dm.predictLoader([path.join(root, 'test/bee/t.png')]).toArray();
  assert.deepEqual(Array.from(predicted[0].labels.data() as BigInt64Array), [-1n]);
  dispose(predicted);
});

void test('verify fails before training on an unreadable file, naming it', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  await writeSolidImage(path.join(root, 'train/a/1.png'), { color: [1, 2, 3] });
  await writeSolidImage(path.join(root, 'val/a/2.png'), { color: [1, 2, 3] });
  await writeText(path.join(root, 'train/a/bad.jpg'), 'garbage');
  const dm = new ImageClassificationDataModule({ root, verify: true }, { onWarning: () => undefined });
  await assert.rejects(dm.setup('fit'), (e: unknown) => e instanceof DataError && e.message.includes('bad.jpg'));
  const lenient = new ImageClassificationDataModule(
    { root, verify: true, badFiles: 'skip', maxSkipFraction: 0.5 },
    { onWarning: () => undefined },
  );
  await lenient.setup('fit');
  assert.equal(lenient.train?.length, 1);
});

void test('options are validated with every problem listed', () => {
  assert.throws(
    () => new ImageClassificationDataModule({ batchSize: 0, sampler: 'balanced' as never, format: 'xml' as never }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(e.issues.map((i) => i.path).sort(), ['batchSize', 'format', 'sampler']);
      return true;
    },
  );
});

void test('an IDX folder is detected, grey 28x28 by default', async (t) => {
  const dir = await makeTempDir();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const n = 20;
  await writeText(path.join(dir, 'train-images-idx3-ubyte'), encodeIdx([n, 3, 3], new Uint8Array(n * 9).fill(51)));
  await writeText(
    path.join(dir, 'train-labels-idx1-ubyte'),
    encodeIdx(
      [n],
      Uint8Array.from({ length: n }, (_, i) => i % 2),
    ),
  );
  const dm = new ImageClassificationDataModule({ root: dir, batchSize: 8, valFraction: 0.2 }, { onWarning: () => undefined });
  await dm.setup('fit');
  assert.equal(dm.format, 'idx');
  assert.equal(dm.channels, 1);
  assert.equal(dm.val?.length, 4);
  const batches = await dm.trainLoader().toArray(0);
  assert.deepEqual(
    batches.map((b) => b.images.shape),
    [
      [8, 1, 3, 3],
      [8, 1, 3, 3],
    ],
  );
  const expected = Math.fround((Math.fround(51 / 255) - Math.fround(0.286)) / Math.fround(0.353));
  assert.ok(Math.abs(tidy(() => batches[0].images.max().item()) - expected) < 1e-6);
  dispose(batches);
  assert.deepEqual(dm.labelsMappingOptions().inputSize, [1, 3, 3]);
});

void test(
  'Fashion-MNIST by default, when installed',
  { skip: !existsSync(FASHION_MNIST_DIR) && 'dataset-fashion-mnist is not installed' },
  async () => {
    const dm = new ImageClassificationDataModule({ batchSize: 256 });
    await dm.setup('fit');
    assert.equal(dm.numClasses, 10);
    assert.equal(dm.idxToClass[9], 'Ankle boot');
    assert.equal(dm.train?.length, 54000);
    assert.equal(dm.val?.length, 6000);
    const loader = dm.trainLoader();
    for await (const batch of loader.epoch(0)) {
      assert.deepEqual(batch.images.shape, [256, 1, 28, 28]);
      dispose(batch);
      break;
    }
  },
);

void test("setup('test') before setup('fit') still gives fit its validation split", async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  for (let i = 0; i < 8; i++) await writeSolidImage(path.join(root, `train/${i % 2 ? 'ant' : 'bee'}/${i}.png`), { color: [i * 20, 0, 0] });
  await writeSolidImage(path.join(root, 'test/bee/t.png'), { color: [0, 0, 0] });
  const dm = new ImageClassificationDataModule({ root, batchSize: 2, valFraction: 0.25, trainTransforms: small, evalTransforms: small });
  await dm.setup('test');
  const valLength = () => dm.val?.length ?? 0; // read through a function: the split changes under setup
  assert.equal(valLength(), 0);
  await dm.setup('fit');
  assert.equal(valLength(), 2);
  assert.equal(dm.train?.length, 6);
  assert.equal(dm.test?.length, 1);
  assert.deepEqual([...dm.stagesDone].sort(), ['fit', 'test']);
});

void test('a loader epoch resumed at startBatch yields exactly the remaining batches', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  for (let i = 0; i < 10; i++) await writeSolidImage(path.join(root, `train/${i % 2 ? 'ant' : 'bee'}/${i}.png`), { color: [i * 20, 9, 0] });
  const trainTransforms = [{ name: 'RandomCrop', size: 3 }, { name: 'RandomHorizontalFlip' }, small[1]];
  const dm = new ImageClassificationDataModule({ root, batchSize: 3, valFraction: 0, trainTransforms, evalTransforms: small });
  await dm.setup('fit');
  const loader = dm.trainLoader({ seed: 7 });
  const full = await loader.toArray(2);
  const tail: typeof full = [];
  for await (const b of loader.epoch(2, { startBatch: 2 })) tail.push(b);
  assert.equal(tail.length, full.length - 2);
  tail.forEach((b, i) => {
    assert.deepEqual(b.indices, full[i + 2].indices);
    assert.deepEqual(b.images.toArray(), full[i + 2].images.toArray());
  });
  await assert.rejects(loader.epoch(2, { startBatch: 99 }).next(), DataError);
  dispose([full, tail]);
});

void test('batchMix: MixUp / CutMix give soft targets, drawn from the loader seed (the Trainer sets it)', async (t) => {
  const root = await makeTempDir();
  t.after(() => rm(root, { recursive: true, force: true }));
  for (let i = 0; i < 8; i++) await writeSolidImage(path.join(root, `train/${i % 2 ? 'ant' : 'bee'}/${i}.png`), { color: [i * 30, 9, 0] });
  const dm = new ImageClassificationDataModule({
    root,
    batchSize: 4,
    valFraction: 0,
    trainTransforms: small,
    evalTransforms: small,
    batchMix: { mixup: { alpha: 0.4 }, cutmix: { alpha: 1 } },
  });
  await dm.setup('fit');
  const read = async (seed: number) => {
    const batches = await dm.trainLoader({ seed }).toArray(1);
    const out = batches.map((b) => ({ labels: b.labels.toArray() as number[][], images: b.images.toArray() }));
    dispose(batches);
    return out;
  };
  const [a, b, c] = [await read(3), await read(3), await read(4)];
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  for (const batch of a) {
    assert.equal(batch.labels[0].length, 2);
    for (const row of batch.labels) assert.ok(Math.abs(row[0] + row[1] - 1) < 1e-6, `soft targets sum to 1: ${row.join(', ')}`);
  }
  assert.ok(
    a.some((batch) => batch.labels.some((row) => row[0] > 0 && row[0] < 1)),
    'some labels are mixed',
  );
});
