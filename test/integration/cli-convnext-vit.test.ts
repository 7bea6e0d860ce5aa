/**
 * ConvNeXt and ViT end to end as a user runs them: `train` one epoch of
 * convnext_tiny and of vit_b_32 (imageSize 32: a class token and one patch)
 * on generated 32x32 colour images, then `export` of the last checkpoint
 * (the model rebuilt from the checkpoint's modelInfo, the ONNX parity check)
 * and `predict` from the .onnx file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
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

const runs: [string, string[]][] = [
  ['convnext_tiny', ['model=convnext_tiny']],
  ['vit_b_32', ['model=vit_b_32', 'model.imageSize=32', 'optimizer=sgd']],
];

for (const [name, overrides] of runs) {
  test(`${name}: train an epoch on 32x32 images, export the checkpoint to ONNX within parity, predict from it`, () => {
    const dir = join(root, name);
    const trained = cli([
      'train',
      '--config-dir',
      userConf,
      '--config-name',
      'tiny',
      ...overrides,
      'trainer.maxEpochs=1',
      'optimizer.lr=0.001',
      'data.imageSize=32',
      'data.resizeSize=36',
      `data.root=${root}`,
      `run.dir=${dir}`,
    ]);
    assert.equal(trained.status, 0, trained.stderr);
    const exported = cli(['export', join(dir, 'checkpoints', 'last.ckpt')]);
    assert.equal(exported.status, 0, exported.stderr);
    const result = JSON.parse(exported.stdout) as { out: string; parity: { maxRelDiff: number } };
    assert.ok(result.parity.maxRelDiff <= 1e-4, JSON.stringify(result.parity));
    const predicted = cli(['predict', join(root, 'test'), '-m', result.out, '-k', '1', '--format', 'json']);
    assert.equal(predicted.status, 0, predicted.stderr);
    const lines = predicted.stdout.trim().split('\n');
    assert.equal(lines.length, 6);
    for (const line of lines) {
      const { topK } = JSON.parse(line) as { topK: { className: string }[] };
      assert.ok(['blue', 'green', 'red'].includes(topK[0].className), line);
    }
  });
}
