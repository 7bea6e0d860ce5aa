/**
 * Likely label errors end to end, as a user finds them: a generated data
 * set of five colour classes with 5% of its training labels flipped on
 * purpose (seeded), a tiny ResNet-18 trained by `train`, then
 * `analyze --cross-val 3`, which trains three fresh models on two folds
 * each, predicts the third, and ranks the training samples by confident
 * learning. At least 80% of the flipped images must be in the top
 * 2 x (flipped count) rows of `label_issues.csv`; the precision and recall
 * reached are printed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { parseCsv } from '../../src/training/loggers/csv.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

const colours: Record<string, [number, number, number]> = {
  blue: [40, 40, 220],
  green: [40, 200, 40],
  purple: [160, 40, 200],
  red: [220, 40, 40],
  yellow: [220, 220, 40],
};
const perClass = 40;
const size = 16;

let root = '';
/** The training images whose folder (their given label) is not their colour. */
const flipped = new Set<string>();

/** A seeded stream in [0, 1) (an LCG: the data set is the same on every machine). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

async function writeImage(rgb: readonly number[], file: string, rnd: () => number): Promise<void> {
  const pixels = Buffer.alloc(size * size * 3);
  for (let p = 0; p < pixels.length; p++) pixels[p] = Math.max(0, Math.min(255, Math.round(rgb[p % 3] + (rnd() - 0.5) * 80)));
  await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toFile(file);
}

/** train/<given>/<colour>-<i>.png with 5% of the labels moved to another class; a clean val/. */
async function makeNoisyColours(): Promise<void> {
  const rnd = lcg(11);
  const names = Object.keys(colours);
  for (const split of ['train', 'val']) for (const n of names) mkdirSync(join(root, split, n), { recursive: true });
  const samples = names.flatMap((n) => Array.from({ length: perClass }, (_, i) => ({ colour: n, i })));
  const toFlip = new Set<number>();
  while (toFlip.size < Math.round(0.05 * samples.length)) toFlip.add(Math.floor(rnd() * samples.length));
  for (const [k, { colour, i }] of samples.entries()) {
    const c = names.indexOf(colour);
    const given = toFlip.has(k) ? names[(c + 1 + Math.floor(rnd() * (names.length - 1))) % names.length] : colour;
    const file = join(root, 'train', given, `${colour}-${i}.png`);
    if (given !== colour) flipped.add(file);
    await writeImage(colours[colour], file, rnd);
  }
  for (const n of names) for (let i = 0; i < 8; i++) await writeImage(colours[n], join(root, 'val', n, `${i}.png`), rnd);
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'ct-label-issues-'));
  await makeNoisyColours();
  const trained = cli([
    'train',
    '--config-dir',
    userConf,
    '--config-name',
    'tiny',
    'model=resnet18',
    `data.root=${root}`,
    `data.imageSize=${size}`,
    `data.resizeSize=${size}`,
    'data.batchSize=16',
    'trainer.maxEpochs=4',
    'optimizer.lr=0.002',
    `run.dir=${join(root, 'run')}`,
  ]);
  assert.equal(trained.status, 0, trained.stderr);
});
after(() => rmSync(root, { recursive: true, force: true }));

test('analyze --cross-val 3 ranks at least 80% of the flipped training labels in its top 2 x flipped rows', () => {
  const runDir = join(root, 'run');
  const before = readdirSync(runDir).sort();
  const checkpoints = readdirSync(join(runDir, 'checkpoints')).sort();
  const out = cli(['analyze', runDir, '--cross-val', '3']);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stderr, /cross-val: fold 3\/3, training on \d+ samples/);
  const [head, ...rows] = parseCsv(readFileSync(join(runDir, 'analysis', 'label_issues.csv'), 'utf8'));
  assert.deepEqual(head, ['rank', 'path', 'given', 'suggested', 'score', 'confident']);
  const k = flipped.size;
  assert.equal(k, 10);
  const top = rows.slice(0, 2 * k);
  const found = top.filter((r) => flipped.has(r[1])).length;
  const confident = rows.filter((r) => r[5] === '1');
  const confidentFound = confident.filter((r) => flipped.has(r[1])).length;
  console.log(
    `label issues: ${found}/${k} flipped in the top ${top.length} (recall ${(found / k).toFixed(2)}, precision ${(found / top.length).toFixed(2)}); ` +
      `confident learning alone flagged ${confident.length}, ${confidentFound} flipped (recall ${(confidentFound / k).toFixed(2)}, ` +
      `precision ${(confidentFound / Math.max(confident.length, 1)).toFixed(2)})`,
  );
  assert.ok(found >= 0.8 * k, `${found} of ${k} flipped images in the top ${2 * k}`);
  // Every row: a training image; suggested is its colour for the flipped ones found.
  for (const r of top.filter((row) => flipped.has(row[1]))) assert.ok(r[1].includes(`${r[3]}-`), `${r[1]} suggested ${r[3]}`);
  const summary = new RegExp(`likely label errors: ${confident.length} of ${perClass * 5} train \\(3-fold cross-validation\\) samples`);
  assert.match(out.stdout, summary);
  assert.match(out.stdout, /duplicates across splits: none/);
  assert.ok(existsSync(join(runDir, 'analysis', 'label_issues', '0.png')), 'the first issue has a thumbnail');
  assert.match(readFileSync(join(runDir, 'report.html'), 'utf8'), /Likely label errors/);
  assert.deepEqual(
    readdirSync(runDir)
      .filter((f) => !before.includes(f))
      .sort(),
    before.includes('analysis') ? [] : ['analysis'],
    'the fold models write no checkpoints, logs or run dirs',
  );
  assert.deepEqual(readdirSync(join(runDir, 'checkpoints')).sort(), checkpoints);
});

test('analyze: a fold count below 2, or --cross-val-epochs without --cross-val, is a usage error (exit 2) that writes nothing', () => {
  const runDir = join(root, 'run');
  const report = readFileSync(join(runDir, 'report.html'), 'utf8');
  const cases: [string[], RegExp][] = [
    [['--cross-val', '1'], /analyze: expected --cross-val to be an integer >= 2, but got '1'/],
    [['--cross-val', '3', '--cross-val-epochs', '0'], /expected --cross-val-epochs to be an integer >= 1, but got '0'/],
    [['--cross-val-epochs', '2'], /expected --cross-val <k> with --cross-val-epochs, but got --cross-val-epochs alone/],
  ];
  for (const [flags, message] of cases) {
    const out = cli(['analyze', runDir, ...flags]);
    assert.equal(out.status, 2, out.stderr);
    assert.match(out.stderr, message);
  }
  assert.equal(readFileSync(join(runDir, 'report.html'), 'utf8'), report);
});
