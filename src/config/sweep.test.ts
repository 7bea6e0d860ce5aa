import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { composeConfig } from './compose.js';
import { parseOverride } from './override-parser.js';
import { expandSweep } from './sweep.js';

const base = join(import.meta.dirname, '../../test/fixtures/conf-base');

void test("the cartesian product in override order, the last sweep fastest (Hydra's BasicSweeper)", () => {
  const { keys, runs } = expandSweep(['a=1,2', 'plain=x', 'b=range(3)']);
  assert.deepEqual(keys, ['a', 'b']);
  assert.deepEqual(
    runs.map((r) => r.overrides),
    [
      ['a=1', 'plain=x', 'b=0'],
      ['a=1', 'plain=x', 'b=1'],
      ['a=1', 'plain=x', 'b=2'],
      ['a=2', 'plain=x', 'b=0'],
      ['a=2', 'plain=x', 'b=1'],
      ['a=2', 'plain=x', 'b=2'],
    ],
  );
  assert.deepEqual(
    runs.map((r) => r.n),
    [0, 1, 2, 3, 4, 5],
  );
  assert.deepEqual(runs[4].swept, { a: '2', b: '1' });
});

void test('range with start, stop and step (negative too) and choice of any values, each kept as typed', () => {
  const { runs } = expandSweep(['lr=range(1,10,4)', "t=choice('a b', [1,2], {k: v})", 'down=range(3,0,-1)']);
  assert.equal(runs.length, 3 * 3 * 3);
  assert.deepEqual([...new Set(runs.map((r) => r.swept.lr))], ['1', '5', '9']);
  assert.deepEqual([...new Set(runs.map((r) => r.swept.t))], ["'a b'", '[1,2]', '{k: v}']);
  assert.deepEqual([...new Set(runs.map((r) => r.swept.down))], ['3', '2', '1']);
  // Each run's override parses back to exactly the value the sweep held.
  const sweep = parseOverride("t=choice('a b', [1,2], {k: v})").sweep!;
  const values = runs
    .slice(0, 9)
    .filter((_, i) => i % 3 === 0)
    .map((r) => parseOverride(r.overrides[1]).value);
  assert.deepEqual(values, sweep);
  assert.deepEqual(parseOverride(runs[0].overrides[1]).value, 'a b');
});

void test('prefixes stay on each run: +key, ++key', () => {
  const { runs } = expandSweep(['+extra=1,2', '++other=a,b']);
  assert.deepEqual(runs[1].overrides, ['+extra=1', '++other=b']);
});

void test('a group sweep composes each option; no sweep is one run', () => {
  const { keys, runs } = expandSweep(['model=resnet18,resnet50', 'trainer.maxEpochs=2']);
  assert.deepEqual(keys, ['model']);
  const names = runs.map((r) => {
    const { config } = composeConfig({ configDirs: [base], configName: 'config', overrides: r.overrides });
    return (config.model as { name: string }).name;
  });
  assert.deepEqual(names, ['resnet18', 'resnet50']);
  const single = expandSweep(['trainer.maxEpochs=2']);
  assert.deepEqual(single, { keys: [], runs: [{ n: 0, overrides: ['trainer.maxEpochs=2'], swept: {} }] });
});

void test('a key swept twice, an empty range and a malformed override are ConfigErrors naming the override', () => {
  assert.throws(
    () => expandSweep(['a=1,2', 'a=3,4', 'b=range(0)']),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(
        e.issues.map((i) => i.location),
        ["override 'a=3,4'", "override 'b=range(0)'"],
      );
      assert.match(e.message, /expected one sweep of `a`, but got another one/);
      assert.match(e.message, /expected a sweep of at least one value, but got none/);
      return true;
    },
  );
  assert.throws(() => expandSweep(['a=range(x)']), /range\(stop\)/);
});
