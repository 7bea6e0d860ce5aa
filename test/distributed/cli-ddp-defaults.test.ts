/**
 * `classifier-training train trainer.strategy=ddp trainer.devices=2` with the
 * shipped trainer defaults (precision and memoryFormat auto, which under ddp
 * take the no-probe rule so every rank agrees: channels-last weights on CPU)
 * and the package's ResNet-18 on a tiny generated image folder: both ranks
 * train and test, the command exits 0, and no rank warns that a gradient's
 * strides differ from its bucket's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { RUN_DIR_ENV } from '../../src/training/strategies/ddp-env.js';
import { makeColourFolder } from '../integration/trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;

void test('train with the default trainer config, strategy ddp and 2 devices exits 0 on a tiny image folder', async (t) => {
  // 8 images per class: 21 train images, so every rank's batch of 4 (the last one 2 or 3) keeps BatchNorm's
  // statistics defined down to ResNet's 1x1 feature maps at 16 px.
  const root = await makeColourFolder(8);
  t.after(() => rm(root, { recursive: true, force: true }));
  const runDir = path.join(root, 'run');
  const overrides = [
    'data=image_folder',
    `data.root=${root}`,
    'model.pretrained=null',
    'data.imageSize=16',
    'data.resizeSize=18',
    'data.batchSize=4',
    'trainer.strategy=ddp',
    'trainer.devices=2',
    'trainer.maxEpochs=1',
    'trainer.limitTrainBatches=2',
    'trainer.limitValBatches=1',
    'trainer.limitTestBatches=1',
    'trainer.numSanityValSteps=0',
    'trainer.enableProgressBar=false',
    'trainer.enableModelSummary=false',
    '+trainer.distributedTimeout=60000',
    `run.dir=${runDir}`,
  ];
  const env = { ...process.env };
  for (const name of ['WORLD_SIZE', 'RANK', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'NODE_RANK', 'MASTER_ADDR', 'MASTER_PORT', RUN_DIR_ENV])
    delete env[name];
  const exit = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, 'train', ...overrides], { env, timeout: 150_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  assert.equal(exit.status, 0, exit.stderr);
  assert.doesNotMatch(exit.stderr, /strides do not match/i);
  const saved = YAML.parse(readFileSync(path.join(runDir, '.config', 'config.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  assert.deepEqual([saved.trainer.precision, saved.trainer.memoryFormat, saved.model.name], ['auto', 'auto', 'resnet18']);
  const provenance = JSON.parse(readFileSync(path.join(runDir, '.config', 'provenance.json'), 'utf8')) as {
    runs: { precision?: { how?: string; memoryFormat?: string } }[];
  };
  assert.equal(provenance.runs[0].precision?.how, 'rule', JSON.stringify(provenance.runs[0]));
  assert.equal(provenance.runs[0].precision?.memoryFormat, 'channelsLast');
  assert.ok(existsSync(path.join(runDir, 'checkpoints', 'last.ckpt')));
  const result = JSON.parse(exit.stdout) as { test: Record<string, number> };
  assert.ok(result.test['test/acc_top1'] >= 0 && result.test['test/acc_top1'] <= 1, exit.stdout);
});
