/**
 * Class names users really have: folders named `v1.0`, `St.Bernard`, after
 * Object.prototype's members, `__proto__`, the same word in two Unicode
 * forms, a class of one image, and a thousand classes. Each is data: runs
 * checkpoint, plot and report with them, and the odd ones are warned about.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ImageClassificationDataModule } from '../../src/data/datamodule.js';
import { DataError } from '../../src/errors.js';
import { ImageFolder } from '../../src/data/datasets/image-folder.js';
import { JsonlDataset } from '../../src/data/datasets/jsonl-dataset.js';
import type { ClassificationModule } from '../../src/models/classification-module.js';
import { SplitMetrics } from '../../src/models/split-metrics.js';
import * as torch from '../../src/torch/index.js';
import * as cb from '../../src/training/callbacks/index.js';
import { readCheckpoint } from '../../src/training/checkpoint/checkpoint-io.js';
import { disposeCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { confusionMatrixSpec, renderConfusionMatrix } from '../../src/training/plots/render-confusion-matrix.js';
import { vegaLiteToSvg } from '../../src/training/plots/render-vega-lite.js';
import { Trainer } from '../../src/training/trainer.js';
import { tinyCnn } from '../integration/trainer-fixtures.js';

/** Writes `<root>/train/<class>/<i>.png` (12×12, one flat colour per class) and returns the root. */
async function makeFolder(counts: Readonly<Record<string, number>> | ReadonlyMap<string, number>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'ct-class-names-'));
  const entries = counts instanceof Map ? [...counts] : Object.entries(counts);
  for (const [k, [name, count]] of entries.entries()) {
    const dir = path.join(root, 'train', name);
    await mkdir(dir, { recursive: true });
    const rgb = [(k * 97) % 256, (k * 53 + 80) % 256, (k * 151 + 160) % 256];
    for (let i = 0; i < count; i++) {
      const pixels = Buffer.alloc(12 * 12 * 3, 0).map((_, p) => Math.min(255, rgb[p % 3] + i * 3));
      await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } })
        .png()
        .toFile(path.join(dir, `${i}.png`));
    }
  }
  return root;
}

function dataModule(root: string, warnings: string[]): ImageClassificationDataModule {
  return new ImageClassificationDataModule(
    {
      root,
      batchSize: 4,
      valFraction: 0.25,
      trainTransforms: [{ name: 'Normalize', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }],
      evalTransforms: [{ name: 'Normalize', mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }],
    },
    { onWarning: (m) => warnings.push(m) },
  );
}

function tinyModule(classNames: string[]): ClassificationModule {
  return tinyCnn({ numClasses: classNames.length, classNames });
}

const hostileNames = ['v1.0', 'St.Bernard', 'constructor', '__proto__', 'toString'];

void test('11/13. a fit on classes v1.0, St.Bernard, constructor, __proto__, toString checkpoints, reads back and plots', async (t) => {
  const root = await makeFolder(Object.fromEntries(hostileNames.map((n) => [n, 4])));
  t.after(() => rm(root, { recursive: true, force: true }));
  const dir = path.join(root, 'run');
  const warnings: string[] = [];
  const dm = dataModule(root, warnings);
  await dm.setup('fit');
  const classes = [...dm.idxToClass];
  assert.deepEqual([...classes].sort(), [...hostileNames].sort(), 'every folder is a class, __proto__ included');
  const module = tinyModule(classes);
  const trainer = new Trainer({
    maxEpochs: 1,
    seed: 1,
    numThreads: 1,
    defaultRootDir: dir,
    enableProgressBar: false,
    enableModelSummary: false,
    callbacks: [
      new cb.ConfusionMatrix(),
      new cb.SampleVisualization({ numSamples: 4 }),
      new cb.TrainingHistory(),
      new cb.RunReport(),
      new cb.DatasetStatistics(),
      new cb.SamplerDistribution(),
    ],
    logger: [],
  });
  await trainer.fit(module, dm);

  const ckpt = readCheckpoint(path.join(dir, 'checkpoints', 'last.ckpt'));
  try {
    assert.deepEqual(ckpt.classes, classes);
    assert.deepEqual(ckpt.hparams.classNames, classes);
    for (const name of hostileNames) {
      const key = `val/acc_class/${name}`;
      assert.ok(Object.hasOwn(ckpt.callbackMetrics, key), `callbackMetrics has ${key}: ${Object.keys(ckpt.callbackMetrics).join(', ')}`);
      assert.equal(ckpt.callbackMetrics[key], trainer.callbackMetrics[key]);
      assert.ok(Object.hasOwn(ckpt.history.at(-1)?.metrics ?? {}, key), `history has ${key}`);
    }
  } finally {
    disposeCheckpoint(ckpt);
  }
  for (const png of ['confusion_matrix.png', 'samples.png', 'curves_loss.png']) {
    const meta = await sharp(path.join(dir, 'plots', png)).metadata();
    assert.ok((meta.width ?? 0) > 50, `${png} renders`);
  }
  const csv = readFileSync(path.join(dir, 'plots', 'confusion_matrix.csv'), 'utf8');
  for (const name of hostileNames) assert.ok(csv.includes(name), `confusion_matrix.csv names ${name}`);
  assert.ok(existsSync(path.join(dir, 'report.html')));
  const stats = JSON.parse(readFileSync(path.join(dir, 'dataset_stats.json'), 'utf8')) as { splits: { train: { counts: object } } };
  const sampled = JSON.parse(readFileSync(path.join(dir, 'sampler_distribution.json'), 'utf8')) as { epochs: { counts: object }[] };
  for (const counts of [stats.splits.train.counts, sampled.epochs[0].counts])
    assert.deepEqual(Object.keys(counts).sort(), [...hostileNames].sort(), 'counts name every class');
  module.dispose();
});

void test('13. the confusion matrix draws classes named after Object.prototype members, each on both axes', async () => {
  const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'v1.0'];
  const matrix = names.map((_, i) => names.map((_, j) => (i === j ? 4 : i + j)));
  const svg = await vegaLiteToSvg(confusionMatrixSpec(matrix, names).spec, { scale: 1 });
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  // Long labels are cut to the axis' label limit with an ellipsis.
  const labels = (name: string) => texts.filter((s) => s === name || (s.endsWith('…') && name.startsWith(s.slice(0, -1))));
  for (const name of names) assert.equal(labels(name).length, 2, `${name} labels a row and a column: ${texts.join('|')}`);
  assert.ok((await renderConfusionMatrix(matrix, names)).length > 1000);
});

void test('12. a 1,000-class confusion matrix renders its most confused classes and says so', async () => {
  const n = 1000;
  const matrix = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): number => (i === j ? 20 : 0)));
  const confused = [3, 250, 251, 999];
  matrix[3][250] = 9;
  matrix[251][999] = 7;
  matrix[999][3] = 5;
  const names = matrix.map((_, i) => `n${String(i).padStart(8, '0')}`);
  const started = Date.now();
  const png = await renderConfusionMatrix(matrix, names, { normalize: 'true' });
  assert.ok(Date.now() - started < 10_000, `rendered in ${Date.now() - started} ms`);
  const meta = await sharp(png).metadata();
  assert.ok((meta.width ?? 0) >= 360 && (meta.width ?? 0) <= 2400, `${meta.width} px wide`);

  const { spec, shown } = confusionMatrixSpec(matrix, names, { maxClasses: 10 });
  assert.equal(shown.length, 10);
  assert.deepEqual(
    shown.filter((i) => confused.includes(i)),
    confused,
    'the classes with errors are drawn',
  );
  assert.match(JSON.stringify(spec.title), /the 10 most confused of 1000 classes/);
  const svg = await vegaLiteToSvg(spec, { scale: 1 });
  assert.match(svg, /the 10 most confused of 1000 classes/);
  for (const i of confused) assert.ok(svg.includes(`>${names[i]}<`), `${names[i]} is labelled`);
});

void test('14. class folders equal after Unicode normalization are warned about, naming both', async (t) => {
  const nfc = 'caf\u00e9';
  const nfd = 'cafe\u0301';
  const root = await makeFolder(
    new Map([
      [nfc, 1],
      [nfd, 1],
      ['tea', 1],
    ]),
  );
  t.after(() => rm(root, { recursive: true, force: true }));
  const warnings: string[] = [];
  const train = await ImageFolder.load({ root, split: 'train', onWarning: (m) => warnings.push(m) });
  assert.equal(train.classes.length, 3);
  const clash = warnings.filter((w) => w.includes('Unicode'));
  assert.equal(clash.length, 1, warnings.join('\n'));
  assert.ok(clash[0].includes(`'${nfc}'`) && clash[0].includes(`'${nfd}'`), clash[0]);
  assert.match(clash[0], /NFC.*NFD|NFD.*NFC/);
  assert.ok(clash[0].includes(path.join(root, 'train')), clash[0]);

  // A val/ folder spelling a train class the other way is refused with a hint.
  await mkdir(path.join(root, 'val', nfd), { recursive: true });
  await copyFile(path.join(root, 'train', nfd, '0.png'), path.join(root, 'val', nfd, '0.png'));
  await assert.rejects(
    ImageFolder.load({ root, split: 'val', classes: [nfc, 'tea'] }),
    (e: unknown) => e instanceof DataError && e.message.includes(`the train class '${nfc}' in another Unicode form`),
  );

  // JSONL labels are class names too.
  const rows = [nfc, nfd].map((suffix, i) => JSON.stringify({ image: `${i}.jpg`, prefix: 'class', suffix }));
  await mkdir(path.join(root, 'jsonl', 'train'), { recursive: true });
  await writeFile(path.join(root, 'jsonl', 'train', 'annotations.jsonl'), rows.join('\n'));
  const jsonlWarnings: string[] = [];
  await JsonlDataset.load({ root: path.join(root, 'jsonl'), split: 'train', onWarning: (m) => jsonlWarnings.push(m) });
  assert.equal(jsonlWarnings.length, 1, jsonlWarnings.join('\n'));
  assert.ok(jsonlWarnings[0].includes(`'${nfc}'`) && jsonlWarnings[0].includes(`'${nfd}'`), jsonlWarnings[0]);
});

void test('14. a class of one image under a validation fraction is warned about and has no per-class figure', async (t) => {
  const root = await makeFolder({ many: 8, solo: 1, more: 8 });
  t.after(() => rm(root, { recursive: true, force: true }));
  const warnings: string[] = [];
  const dm = dataModule(root, warnings);
  await dm.setup('fit');
  const solo = dm.idxToClass.indexOf('solo');
  assert.ok(
    warnings.some((w) => w.includes(`'solo'`) && w.includes('val')),
    `a warning names 'solo': ${warnings.join('\n')}`,
  );

  const metrics = new SplitMetrics('val', { numClasses: 3, classNames: [...dm.idxToClass] });
  const targets = [0, 1, 2].filter((c) => c !== solo);
  torch.tidy(() => {
    const logits = torch.tensor(new Float32Array([2, 0, 0, 0, 2, 0]), { shape: [2, 3] });
    metrics.update(logits, torch.tensor(targets, { dtype: 'int64' }), torch.tensor(0.5));
  });
  const { values, confusionMatrix } = metrics.computeAndReset();
  confusionMatrix?.dispose();
  metrics.dispose();
  const perClass = Object.keys(values).filter((k) => k.includes('/acc_class/'));
  assert.deepEqual(perClass.sort(), ['val/acc_class/many', 'val/acc_class/more']);
});
