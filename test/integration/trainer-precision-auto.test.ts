/**
 * `precision: auto` through whole fits on the tiny CNN: the probe's choice is
 * recorded and cached; a run that probed ends with bitwise the weights of a
 * run with its choice fixed (the probe leaves no trace); a resumed run takes
 * its checkpoint's choice and never probes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClassificationModule } from '../../src/models/classification-module.js';
import { Trainer } from '../../src/training/trainer.js';
import type { TrainerInput } from '../../src/training/trainer.js';
import { colourDataModule, makeColourFolder, tinyCnn } from './trainer-fixtures.js';

const quiet: TrainerInput = {
  enableProgressBar: false,
  enableModelSummary: false,
  enableCheckpointing: false,
  logger: false,
  numThreads: 1,
  seed: 5,
  maxEpochs: 2,
};

function weightsOf(module: ClassificationModule): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, t] of Object.entries(module.stateDict({ keepVars: true }))) out.set(name, Buffer.from(t.data().buffer));
  return out;
}

/** Fits a fresh tiny CNN; returns its weights, the Trainer's choice and the lines it printed. */
async function fit(root: string, input: TrainerInput, ckptPath: string | null = null) {
  const dm = colourDataModule(root);
  const module = tinyCnn();
  const trainer = new Trainer({ ...quiet, ...input });
  const lines: string[] = [];
  trainer.setPrinter((m) => lines.push(m));
  await trainer.fit(module, dm, { ckptPath });
  await dm.close();
  const weights = weightsOf(module);
  module.dispose();
  trainer.dispose();
  return { weights, choice: trainer.precisionChoice, lines };
}

function withCacheDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  // The test machine is shared: its probes are cached however busy it is.
  const set = { CLASSIFIER_TRAINING_CACHE_DIR: dir, CLASSIFIER_TRAINING_PROBE_BUSY_LOAD: '1e9' };
  const before = Object.fromEntries(Object.keys(set).map((k) => [k, process.env[k]]));
  Object.assign(process.env, set);
  return fn().finally(() => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

void test('auto probes once, caches, and ends bitwise where a run with its choice fixed ends', async () => {
  const root = await makeColourFolder();
  const cache = mkdtempSync(path.join(tmpdir(), 'ct-pcache-'));
  try {
    const probed = await withCacheDir(cache, () => fit(root, { precision: 'auto', memoryFormat: 'auto' }));
    assert.equal(probed.choice.how, 'probe');
    assert.ok(probed.choice.timings.length >= 2, 'at least fp32 channels-last and contiguous were timed');
    assert.ok(existsSync(path.join(cache, 'precision-auto.json')));
    assert.equal(probed.lines.filter((l) => l.startsWith('precision auto: ')).length, 1);
    assert.match(probed.lines.find((l) => l.startsWith('precision auto: ')) ?? '', /\(probe of \d+ ms: \d+ ms\/step vs .*; cached in /);

    const { precision, memoryFormat } = probed.choice;
    const fixed = await withCacheDir(cache, () => fit(root, { precision, memoryFormat }));
    assert.equal(fixed.choice.how, 'fixed');
    assert.deepEqual([...fixed.weights.keys()], [...probed.weights.keys()]);
    for (const [name, bytes] of probed.weights) assert.ok(bytes.equals(fixed.weights.get(name)!), `${name} differs`);

    const cached = await withCacheDir(cache, () => fit(root, { precision: 'auto', memoryFormat: 'auto' }));
    assert.equal(cached.choice.how, 'cached');
    assert.deepEqual([cached.choice.precision, cached.choice.memoryFormat], [precision, memoryFormat]);
    for (const [name, bytes] of probed.weights) assert.ok(bytes.equals(cached.weights.get(name)!), `${name} differs`);
  } finally {
    await rm(root, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  }
});

void test("a resumed auto run takes its checkpoint's choice and does not probe; a dev run takes the rule", async () => {
  const root = await makeColourFolder();
  const dir = path.join(root, 'run');
  const cache = mkdtempSync(path.join(tmpdir(), 'ct-pcache-'));
  try {
    // fp32 contiguous is never the rule on a CPU, so only the checkpoint can make the resumed run take it.
    const first = { enableCheckpointing: true, defaultRootDir: dir, maxSteps: 3 } as const;
    await fit(root, { ...first, precision: '32', memoryFormat: 'contiguous' });
    const resumed = await withCacheDir(cache, () =>
      fit(root, { precision: 'auto', memoryFormat: 'auto', enableCheckpointing: true, defaultRootDir: dir }, 'last'),
    );
    assert.deepEqual([resumed.choice.how, resumed.choice.precision, resumed.choice.memoryFormat], ['resumed', '32', 'contiguous']);
    assert.ok(resumed.lines.includes("precision auto: fp32 contiguous (the resumed run's choice; no probe)"));
    assert.equal(existsSync(path.join(cache, 'precision-auto.json')), false, 'no probe, nothing cached');

    const dev = await withCacheDir(cache, () => fit(root, { precision: 'auto', memoryFormat: 'auto', fastDevRun: true }));
    assert.deepEqual([dev.choice.how, dev.choice.reason, dev.choice.memoryFormat], ['rule', 'fastDevRun', 'channelsLast']);
    assert.equal(existsSync(path.join(cache, 'precision-auto.json')), false);
  } finally {
    await rm(root, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  }
});
