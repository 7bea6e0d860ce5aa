import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { canonicalJson, diffConfigs, fingerprintConfig, RESUME_ADDED_DEFAULTS, RESUME_IGNORED_KEYS } from './fingerprint.js';

void test('the fingerprint is the sha256 of sorted-key JSON, stable under key order', () => {
  const a = { trainer: { seed: 1, maxEpochs: 3 }, model: { name: 'resnet18', mean: [0.5, { y: 1, x: 2 }] } };
  const b = { model: { mean: [0.5, { x: 2, y: 1 }], name: 'resnet18' }, trainer: { maxEpochs: 3, seed: 1 } };
  assert.equal(canonicalJson(b), '{"model":{"mean":[0.5,{"x":2,"y":1}],"name":"resnet18"},"trainer":{"maxEpochs":3,"seed":1}}');
  assert.equal(fingerprintConfig(a), fingerprintConfig(b));
  assert.equal(fingerprintConfig(a), createHash('sha256').update(canonicalJson(b)).digest('hex'));
  assert.notEqual(fingerprintConfig(a), fingerprintConfig({ ...a, trainer: { seed: 1, maxEpochs: 4 } }));
  assert.notEqual(fingerprintConfig({ m: [1, 2] }), fingerprintConfig({ m: [2, 1] }), 'list order counts');
});

void test('excluded keys do not change the fingerprint and the input is left alone', () => {
  const a = { run: { dir: 'outputs/a', name: 'x' }, lr: 0.1 };
  const b = { run: { dir: 'outputs/b', name: 'x' }, lr: 0.1 };
  assert.notEqual(fingerprintConfig(a), fingerprintConfig(b));
  assert.equal(fingerprintConfig(a, { exclude: ['run.dir'] }), fingerprintConfig(b, { exclude: ['run.dir', 'not.there'] }));
  assert.notEqual(
    fingerprintConfig(a, { exclude: ['run.dir'] }),
    fingerprintConfig({ ...b, run: { dir: 'c', name: 'y' } }, { exclude: ['run.dir'] }),
  );
  assert.equal(a.run.dir, 'outputs/a');
});

void test('diffConfigs lists the dotted keys that differ with both values', () => {
  const a = { optimizer: { lr: 0.1, name: 'adamw' }, data: { mean: [0.5] }, run: { dir: 'x' }, only: 1 };
  const b = { optimizer: { name: 'adamw', lr: 0.01 }, data: { mean: [0.4] }, run: { dir: 'y' }, extra: { k: true } };
  assert.deepEqual(diffConfigs(a, b, { exclude: ['run'] }), [
    { key: 'data.mean', a: [0.5], b: [0.4] },
    { key: 'extra', a: undefined, b: { k: true } },
    { key: 'only', a: 1, b: undefined },
    { key: 'optimizer.lr', a: 0.1, b: 0.01 },
  ]);
  assert.deepEqual(diffConfigs(a, structuredClone(a)), []);
  assert.deepEqual(diffConfigs({ a: { b: 1 } }, { a: 5 }), [{ key: 'a', a: { b: 1 }, b: 5 }]);
});

void test('a section a newer release added compares as its shipped defaults when the saved config lacks it', () => {
  const shipped = YAML.parse(readFileSync(new URL('../conf/finetune/default.yaml', import.meta.url), 'utf8')) as unknown;
  assert.deepEqual(RESUME_ADDED_DEFAULTS.finetune, shipped, 'RESUME_ADDED_DEFAULTS.finetune is conf/finetune/default.yaml');
  const old = { model: { name: 'resnet18' } };
  const current = { model: { name: 'resnet18' }, finetune: shipped };
  assert.deepEqual(diffConfigs(old, current, { absent: RESUME_ADDED_DEFAULTS }), []);
  const changed = { ...current, finetune: { ...(shipped as object), freezeEpochs: 2 } };
  assert.deepEqual(diffConfigs(old, changed, { absent: RESUME_ADDED_DEFAULTS }), [{ key: 'finetune.freezeEpochs', a: 0, b: 2 }]);
  assert.deepEqual(
    diffConfigs(old, current).map((d) => d.key),
    ['finetune'],
    'without absent defaults the new section differs',
  );
});

void test('a resume may start or stop the dashboard: the key is not compared', () => {
  const saved = { optimizer: { lr: 0.1 } };
  const current = { optimizer: { lr: 0.1 }, dashboard: true };
  assert.equal(diffConfigs(saved, current).length, 1);
  assert.deepEqual(diffConfigs(saved, current, { exclude: RESUME_IGNORED_KEYS }), []);
});
