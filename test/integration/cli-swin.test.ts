/**
 * A Swin end to end as a user runs it: `train model=swin_t` on generated
 * 32x32 images for an epoch (stage 1's 8x8 map is padded to the window and
 * runs shifted windows), with bf16-mixed and channels-last, then `export` of
 * the checkpoint (the model rebuilt from its recorded modelInfo, exported to
 * ONNX with onnxruntime's parity check) and `predict` from the .onnx file
 * and, with libtorch, from the checkpoint.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

let root = '';
before(async () => {
  root = await makeColourFolder(4);
});
after(() => rmSync(root, { recursive: true, force: true }));

interface Prediction {
  path: string;
  topK: { index: number; className: string; probability: number }[];
}

test('swin_t: train an epoch (bf16-mixed, channels-last), export to ONNX, predict with both runtimes', () => {
  const run = join(root, 'run');
  const trained = cli([
    'train',
    '--config-dir',
    userConf,
    '--config-name',
    'tiny',
    'model=swin_t',
    'trainer.maxEpochs=1',
    'trainer.precision=bf16-mixed',
    'trainer.memoryFormat=channelsLast',
    'data.imageSize=32',
    'data.resizeSize=36',
    'optimizer.lr=0.001',
    `data.root=${root}`,
    `run.dir=${run}`,
  ]);
  assert.equal(trained.status, 0, trained.stderr);
  const ckpt = join(run, 'checkpoints', 'last.ckpt');
  const exported = cli(['export', ckpt]);
  assert.equal(exported.status, 0, exported.stderr);
  const result = JSON.parse(exported.stdout) as { out: string; parity: { maxRelDiff: number } };
  assert.equal(result.out, join(run, 'export', 'model.onnx'));
  assert.ok(result.parity.maxRelDiff <= 1e-4, JSON.stringify(result.parity));
  const images = ['blue', 'green', 'red'].flatMap((c) => readdirSync(join(root, 'test', c)).map((f) => join(root, 'test', c, f)));
  const [onnx, libtorch] = [
    ['predict', join(root, 'test'), '-m', result.out, '-k', '3', '--format', 'json'],
    // fp32 on both sides: the run's fitted temperature (about 8 after one epoch) flattens the
    // probabilities to where a bf16 forward's logits would differ by ~1e-3.
    ['predict', join(root, 'test'), '-m', ckpt, '-k', '3', '--format', 'json', '--backend', 'libtorch', '--precision', '32'],
  ].map((args) => {
    const out = cli(args);
    assert.equal(out.status, 0, out.stderr);
    return out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Prediction)
      .sort((a, b) => a.path.localeCompare(b.path));
  });
  assert.deepEqual(
    onnx.map((p) => p.path),
    images.sort(),
  );
  for (const [i, p] of onnx.entries()) {
    assert.deepEqual(new Set(p.topK.map((k) => k.className)), new Set(['blue', 'green', 'red']));
    for (const [j, k] of p.topK.entries()) assert.ok(Math.abs(k.probability - libtorch[i].topK[j].probability) < 1e-4, p.path);
  }
});
