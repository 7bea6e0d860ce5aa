/**
 * The multi-label task as a user runs it from the CLI, with the shipped
 * default callbacks: `train task=multilabel` on a CSV manifest (`path,labels`)
 * of generated colour mixes (each label a colour channel lit, 0 to 3 per
 * image), a small-stem ResNet18 for 2 epochs; every fit-end callback either
 * handles the multi-label module or says in one line why it skips. Then
 * `train --resume` for one more epoch, `export` (ONNX parity), `predict`
 * printing every label over its threshold; before the resume, `analyze`
 * (the per-label table holds the numbers the run's test logged).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { parseCsv } from '../../src/training/loggers/csv.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

const labels = ['red', 'green', 'blue'];
/** The label sets cycled through: every single label, every pair, all three and none. */
const sets = [[0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2], []];

/** Writes img/<split>/<i>.png (12x12, the channels of the image's labels lit, noisy) and <split>.csv; returns the root. */
async function makeColourMixes(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'ct-multilabel-'));
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 80;
  for (const [split, count] of [
    ['train', 24],
    ['val', 8],
    ['test', 8],
  ] as const) {
    mkdirSync(join(root, 'img', split), { recursive: true });
    const rows = ['path,labels'];
    for (let i = 0; i < count; i++) {
      const set = sets[i % sets.length];
      const pixels = Buffer.alloc(12 * 12 * 3);
      for (let p = 0; p < pixels.length; p++) pixels[p] = Math.round((set.includes(p % 3) ? 180 : 40) + noise());
      const rel = `img/${split}/${i}.png`;
      await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } })
        .png()
        .toFile(join(root, rel));
      rows.push(`${rel},${set.map((c) => labels[c]).join('|')}`);
    }
    writeFileSync(join(root, `${split}.csv`), `${rows.join('\n')}\n`);
  }
  return root;
}

let root = '';
let runDir = '';
let trained: ReturnType<typeof cli>;

before(async () => {
  root = await makeColourMixes();
  runDir = join(root, 'run');
  trained = cli(
    'train',
    '--config-dir',
    userConf,
    '--config-name',
    'tiny',
    'task=multilabel',
    'model=resnet18',
    'model.stem=small',
    'optimizer.lr=0.01',
    'data.format=csv',
    `data.root=${root}`,
    `run.dir=${runDir}`,
  );
});
after(() => rmSync(root, { recursive: true, force: true }));

void test('train task=multilabel with the default callbacks: checkpoints, report, PR curves; each callback that cannot apply says so once', () => {
  assert.equal(trained.status, 0, trained.stderr);
  assert.ok(existsSync(join(runDir, 'checkpoints', 'last.ckpt')));
  assert.ok(readdirSync(join(runDir, 'checkpoints')).some((f) => /^epoch=1-step=\d+\.ckpt$/.test(f)));
  assert.ok(existsSync(join(runDir, 'plots', 'pr_curves.png')));
  const report = readFileSync(join(runDir, 'report.html'), 'utf8');
  assert.match(report, /<img alt="precision-recall per label/);
  for (const skip of [
    /^sample_visualization: a multi-label run: no sample grid$/m,
    /^confusion_matrix: a multi-label run: no confusion matrix/m,
    /^Calibration: skipped, temperature scaling is for single-label \(softmax\) runs/m,
  ]) {
    assert.equal(trained.stderr.match(new RegExp(skip.source, 'gm'))?.length, 1, `${skip.source} once in:\n${trained.stderr}`);
  }
  assert.match(trained.stderr, /^val: 8 samples, mAP \d\.\d{4}, mean BCE \d+\.\d{4}\nworst labels \(AP\): /m, 'the fit-end analysis');
  for (const f of ['analysis.json', 'per_class.csv', 'per_class.json', 'top_losses.csv', 'top_losses/0.png', 'cam/0.png'])
    assert.ok(existsSync(join(runDir, 'analysis', f)), `fit wrote analysis/${f}`);
  assert.equal(report.match(/<h2 id="analysis">Analysis<\/h2>/g)?.length, 1);
  const metrics = JSON.parse(readFileSync(join(runDir, 'test_metrics.json'), 'utf8')) as Record<string, number>;
  assert.ok(metrics['test/mAP'] >= 0 && metrics['test/mAP'] <= 1, 'the run tested its best checkpoint');
});

void test('analyze on a multi-label run: the per-label table equals the logged test metrics; top losses, thumbnails, Grad-CAM, report', () => {
  // The run dir's best checkpoint (before the resume replaces it): the one the run tested.
  const out = cli('analyze', runDir, '--split', 'test', '--top-k', '4', '--cross-val', '2', '--tta', 'flip');
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^test: 8 samples, mAP \d\.\d{4}, mean BCE \d+\.\d{4}\nworst labels \(AP\): /);
  for (const skipped of [/^skipped likely label errors: /m, /^skipped calibration: /m, /^skipped --cross-val: /m, /^skipped --tta: /m])
    assert.match(out.stdout, skipped);

  const logged = JSON.parse(readFileSync(join(runDir, 'test_metrics.json'), 'utf8')) as Record<string, number>;
  const dir = join(runDir, 'analysis');
  const rows = parseCsv(readFileSync(join(dir, 'per_class.csv'), 'utf8'));
  assert.deepEqual(rows[0], ['label', 'ap', 'precision', 'recall', 'f1', 'support', 'threshold']);
  assert.deepEqual(
    rows.slice(1).map((r) => r[0]),
    ['blue', 'green', 'red'],
  );
  for (const [name, ap, , , f1, support] of rows.slice(1)) {
    assert.ok(Math.abs(Number(ap) - logged[`test/ap_class/${name}`]) < 1e-6, `AP of ${name}: ${ap} vs ${logged[`test/ap_class/${name}`]}`);
    assert.ok(Math.abs(Number(f1) - logged[`test/f1_class/${name}`]) < 1e-6, `F1 of ${name}`);
    assert.equal(Number(support), 4, 'each colour is in 4 of the 8 test images');
  }
  const top = parseCsv(readFileSync(join(dir, 'top_losses.csv'), 'utf8'));
  assert.deepEqual(top[0], ['rank', 'path', 'true', 'predicted', 'loss']);
  assert.equal(top.length, 5);
  const lossesDescending = top.slice(1).map((r) => Number(r[4]));
  assert.deepEqual(
    [...lossesDescending].sort((a, b) => b - a),
    lossesDescending,
  );
  for (const [rank, file, trueLabels] of top.slice(1)) {
    const i = Number(/(\d+)\.png$/.exec(file)![1]);
    assert.equal(
      trueLabels,
      sets[i % sets.length]
        .map((c) => labels[c])
        .sort()
        .join('|'),
      `the true labels of ${file}`,
    );
    assert.ok(existsSync(join(dir, 'top_losses', `${rank}.png`)) && existsSync(join(dir, 'cam', `${rank}.png`)));
  }
  const report = readFileSync(join(runDir, 'report.html'), 'utf8');
  assert.equal(report.match(/<h2 id="analysis">Analysis<\/h2>/g)?.length, 1);
  assert.match(report, /<p class="status">test split · 8 samples · mAP /);
  assert.equal((report.match(/<img alt="top loss \d" src="analysis\/top_losses\/\d\.png">/g) ?? []).length, 4);
});

void test('train --resume runs one more epoch of the multi-label run', () => {
  const resumed = cli('train', '--resume', runDir, 'trainer.maxEpochs=3', 'trainer.resume.allowConfigChange=true', '--no-test');
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /restored .*last\.ckpt \(epoch 2, batch 0, step 12\)/);
  const epochs = readFileSync(join(runDir, 'metrics.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]);
  assert.deepEqual([...new Set(epochs)], ['0', '1', '2']);
  assert.ok(readdirSync(join(runDir, 'checkpoints')).some((f) => /^epoch=2-step=18\.ckpt$/.test(f)));
});

void test('export passes ONNX parity; predict prints every label at or over its threshold', () => {
  const exported = cli('export', join(runDir, 'checkpoints', 'last.ckpt'));
  assert.equal(exported.status, 0, exported.stderr);
  const { parity } = JSON.parse(exported.stdout) as { parity: { maxRelDiff: number } };
  assert.ok(parity.maxRelDiff <= 1e-4, JSON.stringify(parity));
  const mapping = JSON.parse(readFileSync(join(runDir, 'export', 'labels_mapping.json'), 'utf8')) as {
    task: string;
    thresholds: number[];
    idxToClass: Record<string, string>;
  };
  assert.equal(mapping.task, 'multilabel');

  const out = cli('predict', join(root, 'img', 'test'), '-m', join(runDir, 'export', 'model.onnx'), '--format', 'json', '-k', '3');
  assert.equal(out.status, 0, out.stderr);
  const predictions = out.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { topK: { index: number; probability: number }[]; labels: { index: number; className: string }[] });
  assert.equal(predictions.length, 8);
  for (const p of predictions) {
    const over = p.topK.filter((s) => s.probability >= mapping.thresholds[s.index]).map((s) => s.index);
    assert.deepEqual(p.labels.map((s) => s.index).sort(), over.sort());
    for (const s of p.labels) assert.equal(s.className, mapping.idxToClass[s.index]);
  }
  const table = cli('predict', join(root, 'img', 'test', '6.png'), '-m', join(runDir, 'export', 'model.onnx'));
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^image +labels\n.*6\.png +(\(none\)|((red|green|blue) [01]\.\d{4}(, )?)+)\n$/);
});
