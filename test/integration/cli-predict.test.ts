/**
 * `export` and `predict` as a user runs them, on a small-stem ResNet18
 * trained by the CLI on 10x10 images with bf16-mixed and channels-last (the
 * run that once failed export's parity check: lr 0.05 diverges to logits of
 * ~1e4, which fp32 runtimes agree on only relative to their size). Then
 * predict: table / JSON Lines / CSV, a folder, a list of files, paths on
 * stdin, an unreadable image skipped by name or failing the run, both
 * backends from the .onnx file and from the checkpoint, usage errors, --bench.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const cli = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input });

let root = '';
let ckpt = '';
let onnx = '';
let broken = '';
let exported: ReturnType<typeof cli>;
const testImages = (): string[] =>
  ['blue', 'green', 'red'].flatMap((c) => readdirSync(join(root, 'test', c)).map((f) => join(root, 'test', c, f))).sort();

interface Prediction {
  path: string;
  topK: { index: number; className: string; probability: number }[];
}
const jsonLines = (stdout: string): Prediction[] =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Prediction);

before(async () => {
  root = await makeColourFolder(6);
  const trained = cli([
    'train',
    '--config-dir',
    userConf,
    '--config-name',
    'tiny',
    'model=resnet18',
    'model.stem=small',
    'trainer.precision=bf16-mixed',
    'trainer.memoryFormat=channelsLast',
    'optimizer.lr=0.05',
    `data.root=${root}`,
    `run.dir=${join(root, 'run')}`,
  ]);
  assert.equal(trained.status, 0, trained.stderr);
  ckpt = join(root, 'run', 'checkpoints', 'last.ckpt');
  onnx = join(root, 'run', 'export', 'model.onnx');
  broken = join(root, 'broken.png');
  writeFileSync(broken, 'not an image');
  exported = cli(['export', ckpt]); // every test below predicts from it
});
after(() => rmSync(root, { recursive: true, force: true }));

test('export of the CLI-trained small-stem ResNet18 passes parity within 1e-4 of the logits scale', () => {
  assert.equal(exported.status, 0, exported.stderr);
  const result = JSON.parse(exported.stdout) as { out: string; parity: { maxRelDiff: number; batches: { scale: number }[] } };
  assert.equal(result.out, onnx);
  assert.ok(result.parity.maxRelDiff <= 1e-4, JSON.stringify(result.parity));
});

test('predict: JSON Lines from a folder; the same from the checkpoint with libtorch fp32 (in batches of 4); the same top-1 with its default bf16 + channels-last', () => {
  const images = testImages();
  const libtorch = ['predict', join(root, 'test'), '-m', ckpt, '-k', '2', '--format', 'json', '--backend', 'libtorch', '--batch-size', '4'];
  const runs = [
    ['predict', join(root, 'test'), '-m', onnx, '-k', '2', '--format', 'json'],
    [...libtorch, '--precision', '32'],
    libtorch,
  ].map((args) => {
    const out = cli(args);
    assert.equal(out.status, 0, out.stderr);
    return jsonLines(out.stdout);
  });
  for (const predictions of runs) {
    assert.deepEqual(
      predictions.map((p) => p.path),
      images,
    );
    for (const p of predictions) {
      assert.equal(p.topK.length, 2);
      assert.ok(p.topK[0].probability >= p.topK[1].probability);
      assert.ok(['blue', 'green', 'red'].includes(p.topK[0].className));
    }
  }
  runs[0].forEach((p, i) => {
    assert.deepEqual(
      runs[1][i].topK.map((s) => s.index),
      p.topK.map((s) => s.index),
    );
    runs[1][i].topK.forEach((s, r) => assert.ok(Math.abs(s.probability - p.topK[r].probability) < 1e-5));
    // The default libtorch path: bf16 where this CPU computes it natively, fp32 elsewhere; top-1 either way.
    assert.equal(runs[2][i].topK[0].index, p.topK[0].index);
    assert.ok(Math.abs(runs[2][i].topK[0].probability - p.topK[0].probability) < 2e-2);
  });
});

test('predict: a table for files given, CSV for paths on stdin (checkpoint, onnxruntime); an unreadable image is skipped by name (exit 1) or fails the run', () => {
  const [a, b] = testImages();
  const table = cli(['predict', a, broken, b, '-m', onnx, '-k', '3']);
  assert.equal(table.status, 1, 'an image was skipped');
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^image +top-1 +top-2 +top-3$/);
  assert.equal(lines.length, 3);
  assert.match(lines[1], new RegExp(`^${a} +(blue|green|red) [01]\\.\\d{4} +`));
  assert.ok(lines[2].startsWith(b));
  assert.match(table.stderr, /predict: skipped .*broken\.png: /);

  const stdin = cli(['predict', '-', '-m', ckpt, '--format', 'csv', '-k', '3'], `${b}\n${a}\r\n\n`);
  assert.equal(stdin.status, 0, stdin.stderr);
  const rows = stdin.stdout.trimEnd().split('\n');
  assert.equal(rows[0], 'path,rank,class_index,class_name,probability');
  assert.deepEqual(
    rows.slice(1).map((r) => r.split(',').slice(0, 2).join(',')),
    [`${b},1`, `${b},2`, `${b},3`, `${a},1`, `${a},2`, `${a},3`],
  );
  const probabilities = rows.slice(1, 4).map((r) => Number(r.split(',')[4]));
  assert.ok(Math.abs(probabilities.reduce((x, y) => x + y) - 1) < 1e-5, 'top 3 of 3 classes sum to 1');

  const strict = cli(['predict', a, broken, '-m', onnx, '--on-error', 'fail', '--backend', 'libtorch']);
  assert.equal(strict.status, 1);
  assert.equal(strict.stdout, '');
  assert.match(strict.stderr, /^error: .*broken\.png/m);
});

test('predict: usage errors exit 2 listing the choices; --bench prints images/s', () => {
  const format = cli(['predict', root, '-m', onnx, '--format', 'xml']);
  assert.equal(format.status, 2);
  assert.match(format.stderr, /expected --format among table, json, csv, but got 'xml'/);
  const backend = cli(['predict', root, '-m', onnx, '--backend', 'tensorflow']);
  assert.equal(backend.status, 2);
  assert.match(backend.stderr, /expected --backend among onnxruntime, libtorch, but got 'tensorflow'/);
  assert.equal(cli(['predict', root, '-m', onnx, '--top-k', '0']).status, 2);
  const precision = cli(['predict', root, '-m', onnx, '--backend', 'libtorch', '--precision', 'fp16']);
  assert.equal(precision.status, 2);
  assert.match(precision.stderr, /expected --precision among auto, 32, bf16-mixed, but got 'fp16'/);
  const ortBf16 = cli(['predict', root, '-m', onnx, '--precision', 'bf16-mixed']);
  assert.equal(ortBf16.status, 2);
  assert.match(ortBf16.stderr, /expected --precision auto or 32 with --backend onnxruntime .*; add --backend libtorch/);
  const bench = cli(['predict', join(root, 'test'), '-m', onnx, '--bench', '--backend', 'libtorch', '--threads', '1', '--batch-size', '4']);
  assert.equal(bench.status, 0, bench.stderr);
  assert.match(bench.stdout, /end to end \(decode \+ preprocess \+ forward\) [\d.]+ images\/s over 6 images/);
  assert.match(bench.stdout, /forward alone [\d.]+ images\/s at \[4, 3, 10, 10\]/);
  assert.match(bench.stdout, /^predict --bench \(libtorch (fp32|bf16 \+ channels-last), batch 4, 1 thread\)/m);
});

test('validate: the default precision (auto) gives fp32 top-1 accuracy and a loss within 1e-2 of its scale; --precision is checked', () => {
  const metrics = (extra: string[]) => {
    const out = cli(['validate', ckpt, '--config-dir', userConf, ...extra]);
    assert.equal(out.status, 0, out.stderr);
    return JSON.parse(out.stdout) as Record<string, number>;
  };
  const fp32 = metrics(['--precision', '32']);
  const auto = metrics([]);
  assert.equal(auto['val/acc_top1'], fp32['val/acc_top1']);
  // Relative: this tiny run's loss is large (lr 0.05), and bf16 rounds to 2^-8 of a value.
  const scale = Math.max(1, Math.abs(fp32['val/loss']));
  assert.ok(Math.abs(auto['val/loss'] - fp32['val/loss']) < 1e-2 * scale, `${auto['val/loss']} vs ${fp32['val/loss']}`);
  const wrong = cli(['validate', ckpt, '--precision', 'fp16']);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /validate: expected --precision among auto, 32, bf16-mixed, but got 'fp16'/);
});
