/**
 * `trainer.precision=auto` from the CLI: `train` records the probe's choice
 * (with each candidate's ms per step) in `.config/provenance.json` and its
 * log; `train --resume` takes the run's choice back without probing, and
 * the resume's config check does not refuse the run because `auto` resolved
 * to something. Needs a fresh `npm run build` (the CLI runs dist/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeColourFolder } from './trainer-fixtures.js';

const bin = new URL('../../bin/classifier-training.js', import.meta.url).pathname;
const userConf = new URL('./cli-user-conf', import.meta.url).pathname;
const plugin = new URL('./cli-plugin.ts', import.meta.url).pathname;

interface Entry {
  status: string;
  precision?: { precision: string; memoryFormat: string; how: string; msPerStep: Record<string, number>; cacheFile: string | null };
}

void test('train with precision auto records its choice in provenance.json; --resume reuses it without probing', async () => {
  const root = await makeColourFolder(6);
  const cache = mkdtempSync(join(tmpdir(), 'ct-pcache-'));
  const env = { ...process.env, CLASSIFIER_TRAINING_CACHE_DIR: cache, CLASSIFIER_TRAINING_PROBE_BUSY_LOAD: '1e9' };
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env });
  try {
    const runDir = join(root, 'run');
    const common = ['--config-dir', userConf, '--config-name', 'tiny', '--plugin', plugin];
    const trained = run(
      'train',
      ...common,
      `data.root=${root}`,
      `run.dir=${runDir}`,
      'trainer.precision=auto',
      'trainer.maxEpochs=1',
      '--no-test',
    );
    assert.equal(trained.status, 0, trained.stderr);
    assert.match(trained.stderr, /precision auto: (bf16-mixed|fp32) (channels-last|contiguous) \(probe of \d+ ms: \d+ ms\/step vs /);
    const provenance = () => (JSON.parse(readFileSync(join(runDir, '.config', 'provenance.json'), 'utf8')) as { runs: Entry[] }).runs;
    const [first] = provenance();
    assert.equal(first.status, 'success');
    assert.equal(first.precision?.how, 'probe');
    assert.equal(first.precision?.cacheFile, join(cache, 'precision-auto.json'));
    assert.ok(Object.keys(first.precision?.msPerStep ?? {}).length >= 2, JSON.stringify(first.precision));
    assert.ok(Object.values(first.precision?.msPerStep ?? {}).every((ms) => ms > 0));

    rmSync(join(cache, 'precision-auto.json'));
    const resumed = run(
      'train',
      '--plugin',
      plugin,
      '--resume',
      runDir,
      'trainer.maxEpochs=2',
      'trainer.resume.allowConfigChange=true',
      '--no-test',
    );
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, /precision auto: .* \(the resumed run's choice; no probe\)/);
    assert.doesNotMatch(resumed.stderr, /resuming .* with a changed config \(.*precision/);
    const second = provenance()[1];
    assert.equal(second.precision?.how, 'resumed');
    assert.deepEqual(
      [second.precision?.precision, second.precision?.memoryFormat],
      [first.precision?.precision, first.precision?.memoryFormat],
    );
    assert.equal(existsSync(join(cache, 'precision-auto.json')), false, 'the resume did not probe');
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
});
