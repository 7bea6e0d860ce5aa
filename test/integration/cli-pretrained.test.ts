/**
 * A run started from pretrained weights keeps working once the weights file
 * is gone: `validate`, `test` and `train --resume` take the weights from the
 * checkpoint, so they neither read nor fetch the pretrained file (a user
 * who copies a run to another machine has no such file there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import { resnet18 } from '../../src/models/resnet.js';
import { save } from '../../src/torch/serialization/index.js';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const conf = ['--config-dir', userConf, '--config-name', 'tiny'];

const cli = (cwd: string, args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CLASSIFIER_TRAINING_WEIGHTS_URL: 'http://127.0.0.1:9/' },
  });

void test('validate, test and --resume of a run trained from a pretrained file need the checkpoint only', async () => {
  const data = await makeColourFolder(4);
  const cwd = mkdtempSync(join(tmpdir(), 'ct-pretrained-'));
  try {
    const weightsFile = join(cwd, 'backbone.safetensors');
    torch.manualSeed(0);
    const source = resnet18({ numClasses: 1000, stem: 'small' });
    save(source.stateDict(), weightsFile);
    source.dispose();
    const model = ['model=resnet18', 'model.stem=small', `+model.pretrained=${weightsFile}`, `data.root=${data}`, 'trainer.maxEpochs=1'];
    const first = cli(cwd, ['train', ...conf, ...model, 'run.dir=outputs/run', '--no-test']);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /head stays freshly initialised/);
    rmSync(weightsFile);

    const ckpt = join(cwd, 'outputs/run/checkpoints/last.ckpt');
    for (const split of ['validate', 'test']) {
      const evaluated = cli(cwd, [split, ckpt]);
      assert.equal(evaluated.status, 0, `${split}: ${evaluated.stderr}`);
      assert.ok(existsSync(join(cwd, `outputs/run/${split === 'validate' ? 'val' : 'test'}_metrics.json`)));
    }
    const resumed = cli(cwd, ['train', '--resume', join(cwd, 'outputs/run'), '--no-test']);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.doesNotMatch(resumed.stderr, /backbone\.safetensors/);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});
