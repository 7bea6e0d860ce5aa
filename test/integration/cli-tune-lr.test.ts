/**
 * The LR finder from the command line, as a user runs it (the compiled CLI:
 * `npm run build` first): `tune lr` writes the curve and the plot into the
 * run dir and prints the suggestion as an override line; `train
 * optimizer.lr=auto` records the number in the run's saved config and does
 * not sweep again on resume; bad flags and a data-parallel `auto` exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import YAML from 'yaml';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const plugin = new URL('./cli-plugin.ts', import.meta.url).pathname;
const tiny = ['--config-dir', userConf, '--config-name', 'tiny', '--plugin', plugin];
const run = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });

const root = await makeColourFolder(8);
test.after(() => rm(root, { recursive: true, force: true }));

void test('tune lr writes lr_find.json and lr_find.png into run.dir and prints the suggestion as an override line', async () => {
  const dir = join(root, 'tune');
  const out = run('tune', 'lr', ...tiny, `data.root=${root}`, `run.dir=${dir}`, '--min-lr', '1e-5', '--max-lr', '10', '--num-steps', '30');
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^optimizer\.lr=\d[\d.e+-]*\n$/);
  assert.match(out.stderr, /lr finder: \d+ steps from lr 1\.0e-5 to .*lr_find\.png/);
  const json = JSON.parse(readFileSync(join(dir, 'lr_find.json'), 'utf8')) as {
    override: string;
    suggestion: number;
    options: { minLr: number; maxLr: number; numSteps: number };
    points: { lr: number; loss: number }[];
  };
  assert.equal(json.override, out.stdout.trim());
  assert.deepEqual([json.options.minLr, json.options.maxLr, json.options.numSteps], [1e-5, 10, 30]);
  assert.ok(json.suggestion > 1e-5 && json.suggestion < 10);
  assert.ok(json.points.length > 5 && json.points.length <= 30);
  assert.equal((await sharp(join(dir, 'lr_find.png')).metadata()).format, 'png');
  assert.equal(existsSync(join(dir, 'checkpoints')), false, 'a sweep writes no checkpoint');
});

void test('tune lr --diverge-threshold none sweeps every step (no divergence stop)', () => {
  const dir = join(root, 'no-stop');
  const out = run(
    'tune',
    'lr',
    ...tiny,
    `data.root=${root}`,
    `run.dir=${dir}`,
    '--max-lr',
    '100',
    '--num-steps',
    '12',
    '--diverge-threshold',
    'none',
  );
  assert.notEqual(out.status, 2, out.stderr);
  const json = JSON.parse(readFileSync(join(dir, 'lr_find.json'), 'utf8')) as {
    options: { divergeThreshold: unknown };
    points: unknown[];
  };
  assert.equal(json.options.divergeThreshold, null);
  assert.equal(json.points.length, 12);
});

void test('train optimizer.lr=auto records the chosen number in .config/ and a resume does not sweep again', () => {
  const dir = join(root, 'auto');
  const first = run('train', ...tiny, `data.root=${root}`, `run.dir=${dir}`, 'optimizer.lr=auto', 'trainer.maxEpochs=1', '--no-test');
  assert.equal(first.status, 0, first.stderr);
  const said = /lr finder: optimizer\.lr=auto is ([\d.e+-]+) \(100 steps from 1e-8 to 1/.exec(first.stderr);
  assert.ok(said !== null, first.stderr);
  const saved = YAML.parse(readFileSync(join(dir, '.config', 'config.yaml'), 'utf8')) as { optimizer: { lr: unknown } };
  assert.equal(typeof saved.optimizer.lr, 'number');
  assert.equal(saved.optimizer.lr, Number(said[1]));
  const hparams = YAML.parse(readFileSync(join(dir, 'hparams.yaml'), 'utf8')) as { optimizer?: { lr?: unknown } };
  assert.equal(hparams.optimizer?.lr, saved.optimizer.lr, 'the logged hyperparameters hold the number');
  const found = JSON.parse(readFileSync(join(dir, 'lr_find.json'), 'utf8')) as { override: string };
  assert.equal(found.override, `optimizer.lr=${saved.optimizer.lr}`);
  const sweptAt = statSync(join(dir, 'lr_find.json')).mtimeMs;

  const again = run(
    'train',
    ...tiny,
    `data.root=${root}`,
    `run.dir=${dir}`,
    'optimizer.lr=auto',
    'trainer.maxEpochs=1',
    'ckptPath=last',
    '--no-test',
  );
  assert.equal(again.status, 0, again.stderr);
  assert.match(
    again.stderr,
    new RegExp(`lr finder: not run on resume; optimizer\\.lr=${said[1].replace('.', '\\.')} from .*config\\.yaml`),
  );
  assert.equal(statSync(join(dir, 'lr_find.json')).mtimeMs, sweptAt);
});

void test('a fast dev run with optimizer.lr=auto skips the sweep', () => {
  const dir = join(root, 'dev');
  const out = run('train', ...tiny, `data.root=${root}`, `run.dir=${dir}`, 'optimizer.lr=auto', 'trainer.fastDevRun=true', '--no-test');
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stderr, /lr finder: skipped in a fast dev run; optimizer\.lr=0\.001 for this run/);
  assert.equal(existsSync(join(dir, 'lr_find.json')), false);
});

void test('bad finder flags and optimizer.lr=auto with ddp exit 2 with the reason', () => {
  const data = `data.root=${root}`;
  const word = run('tune', 'lr', ...tiny, data, '--num-steps', 'ten');
  assert.equal(word.status, 2);
  assert.match(word.stderr, /expected a number for --num-steps, but got 'ten'/);
  const few = run('tune', 'lr', ...tiny, data, `run.dir=${join(root, 'few')}`, '--num-steps', '2');
  assert.equal(few.status, 2);
  assert.match(few.stderr, /lrFind\.numSteps/);
  const order = run('tune', 'lr', ...tiny, data, `run.dir=${join(root, 'order')}`, '--min-lr', '1', '--max-lr', '0.1');
  assert.equal(order.status, 2);
  assert.match(order.stderr, /lrFind\.maxLr: expected a maxLr above minLr \(1\), but got 0\.1/);
  const ddp = run('train', ...tiny, data, `run.dir=${join(root, 'ddp')}`, 'optimizer.lr=auto', 'trainer.strategy=ddp', 'trainer.devices=2');
  assert.equal(ddp.status, 2, ddp.stderr);
  assert.match(ddp.stderr, /optimizer\.lr: expected a number with trainer\.strategy=ddp, but got auto/);
  assert.equal(existsSync(join(root, 'ddp')), false);
});

void test('config show --validate accepts optimizer.lr=auto; a misspelt value is still refused', () => {
  const ok = run('config', 'show', ...tiny, `data.root=${root}`, 'optimizer.lr=auto', '--validate');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /lr: auto/);
  const typo = run('config', 'show', ...tiny, `data.root=${root}`, 'optimizer.lr=autoo', '--validate');
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /optimizer\.lr/);
});
