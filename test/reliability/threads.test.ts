import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { getNumThreads, setNumThreads } from '../../src/torch/runtime.js';

const cap = 4 * availableParallelism();
const root = new URL('../../', import.meta.url).pathname;

void test('4. setNumThreads refuses more than 4x the cores, with a clear message, and changes nothing', () => {
  const before = getNumThreads();
  assert.throws(() => setNumThreads(cap + 1), { name: 'RangeError', message: new RegExp(`at most ${cap} threads .*but got ${cap + 1}`) });
  assert.throws(() => setNumThreads(1000), /at most/);
  assert.equal(getNumThreads(), before);
});

void test('4. OMP_NUM_THREADS far above the cores is clamped at start-up with a warning', () => {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '-e', "import('./src/torch/runtime.ts').then((r) => console.log(`threads=${r.getNumThreads()}`))"],
    { cwd: root, env: { ...process.env, OMP_NUM_THREADS: '100000' }, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, new RegExp(`threads=${cap}\\b`));
  assert.match(child.stderr, new RegExp(`OMP_NUM_THREADS: expected at most ${cap} threads .*but got 100000`));
});
