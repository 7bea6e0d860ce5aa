import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep } from '../../config/index.js';
import { ConfigError } from '../../errors.js';
import { SweepDir, withoutSweepDir } from './sweep-dir.js';

void test('claim writes multirun.yaml; the same sweep (now naming its dir) claims it again; another sweep is refused', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'ct-sweep-dir-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = new SweepDir(join(root, 'sweep'));
  dir.claim(expandSweep(['a=1,2', 'b=x']).runs);
  assert.deepEqual(readdirSync(dir.root), ['multirun.yaml']);
  dir.claim(expandSweep(['a=1,2', `run.sweepDir=${dir.root}`, 'b=x']).runs);
  assert.throws(
    () => dir.claim(expandSweep(['a=1,3', 'b=x']).runs),
    (e: Error) =>
      e instanceof ConfigError &&
      /expected the sweep saved in .*multirun\.yaml, but got run 1 as 'a=3 b=x' where it has 'a=2 b=x'; .*set another run\.sweepDir/.test(
        e.message,
      ),
  );
  assert.throws(() => dir.claim(expandSweep(['a=1,2,3', 'b=x']).runs), /but got 3 runs where it has 2/);
  assert.deepEqual(withoutSweepDir(['a=1', '++run.sweepDir=x', 'run.dir=y']), ['a=1', 'run.dir=y']);
});

void test('a run is done once its marker reads; a checkpoint in its folder means it can resume', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'ct-sweep-dir-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = new SweepDir(root);
  assert.equal(dir.done(0), null);
  assert.equal(dir.hasCheckpoint(0), false);
  mkdirSync(join(dir.runDir(0), 'checkpoints'), { recursive: true });
  writeFileSync(join(dir.runDir(0), 'checkpoints', 'last.ckpt'), '');
  assert.equal(dir.hasCheckpoint(0), true);
  writeFileSync(join(dir.runDir(0), 'done.json'), '{"n": 0, "metr');
  assert.equal(dir.done(0), null, 'a marker that does not read is no marker');
  const marker = { n: 0, overrides: ['a=1'], metrics: { 'val/loss': 0.5 }, finishedAt: '2026-12-02T00:00:00.000Z' };
  dir.markDone(marker);
  assert.deepEqual(dir.done(0), marker);
  assert.deepEqual(readdirSync(dir.runDir(0)).sort(), ['checkpoints', 'done.json'], 'no temporary file left');
});
