/**
 * `trainer.syncBatchnorm`: a boolean (a ConfigError naming the key
 * otherwise, from the Trainer and from the composed config with the file and
 * line); without strategy ddp it does nothing and says so; with strategy ddp
 * the Trainer's BatchNorm2d layers are SyncBatchNorm while fitting and plain
 * BatchNorm2d again afterwards, with the checkpoint's keys unchanged (a
 * one-rank run in this process; the numbers over 2 ranks are checked in
 * test/distributed/sync-batch-norm.test.ts).
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { composeConfig } from '../config/compose.js';
import { validateConfig } from '../config/validate.js';
import { ConfigError } from '../errors.js';
import type { TrainableModule } from './trainable-module.js';
import { BatchNorm2d } from '../torch/nn/index.js';
import { colourDataModule, makeColourFolder, tinyCnn } from '../../test/integration/trainer-fixtures.js';
import { Callback } from './callback.js';
import { readCheckpoint } from './checkpoint/checkpoint-io.js';
import { freePort } from './strategies/launcher.js';
import { parseTrainerOptions, trainerOptionsSchema } from './trainer-options.js';
import { Trainer } from './trainer.js';

const confDir = path.join(import.meta.dirname, '..', '..', 'conf');
const bnClasses = (module: TrainableModule): string[] =>
  [...module.modules()].filter((m) => m instanceof BatchNorm2d).map((m) => m.constructor.name);

function isSyncBatchnormError(value: unknown): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof ConfigError, String(e));
    const issue = e.issues.find((i) => i.path === 'trainer.syncBatchnorm');
    assert.ok(issue, `an issue for trainer.syncBatchnorm in ${e.message}`);
    assert.match(issue.message, /expected boolean/);
    assert.ok(issue.message.includes(JSON.stringify(value)), issue.message);
    return true;
  };
}

test('trainer.syncBatchnorm is false by default and must be a boolean', () => {
  assert.equal(parseTrainerOptions({}).syncBatchnorm, false);
  assert.equal(parseTrainerOptions({ syncBatchnorm: true }).syncBatchnorm, true);
  for (const value of ['yes', 1, null]) assert.throws(() => parseTrainerOptions({ syncBatchnorm: value }), isSyncBatchnormError(value));
});

test('the shipped trainer config sets syncBatchnorm: false; a non-boolean override is reported with its key and source', () => {
  const schema = z.object({ trainer: trainerOptionsSchema }).loose();
  const plain = composeConfig({ configDirs: [confDir], configName: 'train', overrides: [] });
  assert.equal((plain.config.trainer as Record<string, unknown>).syncBatchnorm, false);
  const { config, sources } = composeConfig({ configDirs: [confDir], configName: 'train', overrides: ['trainer.syncBatchnorm=sometimes'] });
  assert.throws(
    () => validateConfig(config, schema, sources),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      const issue = e.issues.find((i) => i.path === 'trainer.syncBatchnorm');
      assert.ok(issue, e.message);
      assert.match(issue.message, /expected boolean/);
      assert.ok(issue.location !== undefined, 'the issue says where the value came from');
      return true;
    },
  );
});

test('without strategy ddp, syncBatchnorm is a no-op with a warning (Lightning ignores it on one device)', () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (m: string) => lines.push(m);
  try {
    new Trainer({ syncBatchnorm: true, enableProgressBar: false, logger: false });
    new Trainer({ syncBatchnorm: false, enableProgressBar: false, logger: false });
  } finally {
    console.log = log;
  }
  assert.deepEqual(lines, ["Trainer: syncBatchnorm has no effect with strategy 'auto'; use strategy ddp"]);
});

test('with strategy ddp, fit trains SyncBatchNorm layers and leaves plain BatchNorm2d with unchanged checkpoint keys', async (t) => {
  const root = await makeColourFolder(4);
  t.after(() => rm(root, { recursive: true, force: true }));
  const worker = { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(await freePort()), WORLD_SIZE: '1', RANK: '0', LOCAL_RANK: '0' };
  const saved = Object.fromEntries(Object.keys(worker).map((k) => [k, process.env[k]]));
  Object.assign(process.env, worker);
  t.after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
  const seen = new Set<string>();
  class Probe extends Callback {
    override onTrainBatchEnd(_t: unknown, module: TrainableModule): void {
      for (const c of bnClasses(module)) seen.add(c);
    }
  }
  const module = tinyCnn();
  const keys = Object.keys(module.stateDict());
  const dm = colourDataModule(root);
  const dir = path.join(root, 'run');
  const options = { strategy: 'ddp', syncBatchnorm: true, maxEpochs: 1, numThreads: 1, defaultRootDir: dir } as const;
  const trainer = new Trainer({ ...options, enableProgressBar: false, enableModelSummary: false, logger: false, callbacks: [new Probe()] });
  await trainer.fit(module, dm);
  await dm.close();
  assert.deepEqual([...seen], ['SyncBatchNorm']);
  assert.deepEqual(bnClasses(module), ['BatchNorm2d']);
  assert.deepEqual(Object.keys(module.stateDict()), keys);
  const checkpoint = readCheckpoint(path.join(dir, 'checkpoints', 'last.ckpt'));
  assert.deepEqual(Object.keys(checkpoint.model).sort(), [...keys].sort());
});
