/**
 * Calibration and test-time augmentation as a user meets them: `train`
 * (the shipped callbacks fit a temperature at the end and store it in the
 * checkpoint), `validate` / `test --tta` printing the accuracy without and
 * with TTA side by side (deterministic, the JSON holding the same figures),
 * an unknown view refused, and `predict` from the checkpoint reporting
 * softmax(logits / T) — and the raw softmax with `--no-calibration`.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint, readCheckpointHeader, writeCheckpoint } from '../../src/training/checkpoint/checkpoint-io.js';
import { disposeCheckpoint } from '../../src/training/checkpoint/checkpoint-connector.js';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

let root = '';
let ckpt = '';
let trained: ReturnType<typeof cli>;

before(async () => {
  root = await makeColourFolder(4);
  trained = cli([
    'train',
    '--config-dir',
    userConf,
    '--config-name',
    'tiny',
    'model=resnet18',
    'model.stem=small',
    'optimizer.lr=0.001',
    `data.root=${root}`,
    `run.dir=${join(root, 'run')}`,
  ]);
  assert.equal(trained.status, 0, trained.stderr);
  ckpt = join(root, 'run', 'checkpoints', 'last.ckpt');
});

after(() => rmSync(root, { recursive: true, force: true }));

void test('train: the shipped callbacks store a fitted temperature in last.ckpt', () => {
  assert.match(`${trained.stdout}${trained.stderr}`, /Calibration: temperature \d+\.\d+ for checkpoints\/last\.ckpt/);
  const calibration = readCheckpointHeader(ckpt).calibration!;
  assert.ok(calibration.temperature > 0 && calibration.split === 'val', JSON.stringify(calibration));
});

const SIDE_BY_SIDE =
  /(val|test) accuracy: (\d\.\d{4}) without TTA, (\d\.\d{4}) with TTA '([a-z,]+)' \((\d+) views\), ([+-]\d+\.\d{2}) points/;

void test('validate --tta flip prints the accuracy without and with TTA side by side, the JSON agrees, and it is deterministic', () => {
  const runs = [0, 1].map(() => cli(['validate', ckpt, '--precision', '32', '--tta', 'flip']));
  for (const run of runs) assert.equal(run.status, 0, run.stderr);
  assert.equal(runs[1].stdout, runs[0].stdout);
  const metrics = JSON.parse(runs[0].stdout) as Record<string, number>;
  const printed = SIDE_BY_SIDE.exec(runs[0].stderr);
  assert.ok(printed !== null, runs[0].stderr);
  const [, split, without, withTta, label, views, gain] = printed;
  assert.deepEqual([split, label, views], ['val', 'flip', '2']);
  assert.equal(without, metrics['val/acc_top1_no_tta'].toFixed(4));
  assert.equal(withTta, metrics['val/acc_top1_tta'].toFixed(4));
  assert.equal(Number(gain), Number(((metrics['val/acc_top1_tta'] - metrics['val/acc_top1_no_tta']) * 100).toFixed(2)));
  // The plain figure is the run's own fp32 top-1 accuracy.
  assert.ok(Math.abs(metrics['val/acc_top1_no_tta'] - metrics['val/acc_top1']) < 1e-6);
});

void test('test --tta flip,crops averages 12 views; an unknown view is refused with the choices', () => {
  const both = cli(['test', ckpt, '--precision', '32', '--tta', 'crops,flip']);
  assert.equal(both.status, 0, both.stderr);
  assert.match(both.stderr, /test accuracy: .* with TTA 'flip,crops' \(12 views\)/);
  const wrong = cli(['validate', ckpt, '--tta', 'flip,rotate']);
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /validate: expected --tta views among flip, crops \(comma-separated\), but got 'rotate'/);
});

interface Prediction {
  topK: { index: number; probability: number }[];
}

void test('predict reports softmax(logits / T) with the checkpoint temperature, and the raw softmax with --no-calibration', () => {
  const images = ['blue', 'green', 'red'].flatMap((c) => readdirSync(join(root, 'test', c)).map((f) => join(root, 'test', c, f)));
  // The colours are separable, so the fitted T is tiny and every calibrated probability 0 or 1:
  // a copy with T = 3 keeps the log-ratios readable.
  const temperature = 3;
  const checkpoint = readCheckpoint(ckpt);
  checkpoint.calibration = { ...checkpoint.calibration!, temperature };
  const copy = join(root, 'run', 'checkpoints', 'warm.ckpt');
  writeCheckpoint(checkpoint, copy);
  disposeCheckpoint(checkpoint);
  const predict = (...extra: string[]) => cli(['predict', ...images, '-m', copy, '--format', 'json', '-k', '3', ...extra]);
  const calibrated = predict();
  const raw = predict('--no-calibration');
  assert.equal(calibrated.status, 0, calibrated.stderr);
  assert.equal(raw.status, 0, raw.stderr);
  assert.match(calibrated.stderr, /calibrated probabilities \(temperature 3\.0000 from the model/);
  assert.doesNotMatch(raw.stderr, /calibrated probabilities/);
  const rows = (stdout: string): number[][] =>
    stdout
      .trim()
      .split('\n')
      .map((l) => {
        const p = JSON.parse(l) as Prediction;
        return [0, 1, 2].map((k) => p.topK.find((s) => s.index === k)!.probability);
      });
  // softmax(z / T): every log-ratio of two classes is the raw one divided by T.
  const [cal, plain] = [rows(calibrated.stdout), rows(raw.stdout)];
  // Rows whose probabilities all stay above float rounding (a log-ratio of 0 or 1 says nothing).
  const readable = cal.map((row, i) => i).filter((i) => [...cal[i], ...plain[i]].every((p) => p > 1e-6 && p < 1 - 1e-6));
  assert.ok(readable.length > 0, 'some predictions with every probability readable');
  for (const i of readable) {
    const scaled = Math.log(cal[i][0] / cal[i][1]) * temperature;
    const unscaled = Math.log(plain[i][0] / plain[i][1]);
    assert.ok(Math.abs(scaled - unscaled) < 1e-3 * Math.max(1, Math.abs(unscaled)), `image ${i}: ${scaled} vs ${unscaled}`);
  }
});

void test('analyze --tta flip: the val temperature and the accuracy without and with TTA (as validate --tta prints them); test measures the stored temperature', () => {
  const analysed = cli(['analyze', ckpt, '--tta', 'flip']);
  assert.equal(analysed.status, 0, analysed.stderr);
  const fitted = /calibration: temperature (\d+\.\d{4}) fitted on val \(the checkpoint stores (\d+\.\d{4})\): NLL/.exec(analysed.stdout);
  assert.ok(fitted !== null, analysed.stdout);
  // Fitted on the same val logits as the callback's: the same temperature.
  assert.equal(fitted[1], fitted[2]);
  const record = JSON.parse(readFileSync(join(root, 'run', 'analysis', 'calibration.json'), 'utf8')) as {
    split: string;
    temperature: number;
  };
  assert.equal(record.split, 'val');
  const tta = /TTA 'flip' \(2 views\): accuracy (\d\.\d{4}) without, (\d\.\d{4}) with/.exec(analysed.stdout);
  assert.ok(tta !== null, analysed.stdout);
  const validated = JSON.parse(cli(['validate', ckpt, '--precision', '32', '--tta', 'flip']).stdout) as Record<string, number>;
  assert.equal(tta[1], validated['val/acc_top1_no_tta'].toFixed(4));
  assert.equal(tta[2], validated['val/acc_top1_tta'].toFixed(4));

  const tested = cli(['analyze', ckpt, '--split', 'test']);
  assert.equal(tested.status, 0, tested.stderr);
  assert.match(tested.stdout, /calibration: the checkpoint's temperature \d+\.\d{4} \(fitted on val\) on test: NLL/);
  assert.doesNotMatch(tested.stdout, /TTA/);
  const wrong = cli(['analyze', ckpt, '--tta', 'mirror']);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /analyze: expected --tta views among flip, crops/);
});
