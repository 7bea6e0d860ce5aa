import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { composeConfig } from './compose.js';
import { formatSource } from './source-map.js';

const base = join(import.meta.dirname, '../../test/fixtures/conf-base');
const user = join(import.meta.dirname, '../../test/fixtures/conf-user');
const compose = (configName: string, overrides: string[] = [], configDirs = [base]) => composeConfig({ configDirs, configName, overrides });
const at = (r: ReturnType<typeof compose>, key: string): string | undefined =>
  formatSource(r.sources.get(key))?.replace(/.*fixtures\//, '');

/** Asserts `fn` throws a ConfigError whose message matches every pattern. */
function throwsConfig(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e.name}: ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

void test('a primary config with groups lands each option under its group key, _self_ last', () => {
  const r = compose('config');
  assert.deepEqual(Object.keys(r.config), ['model', 'data', 'trainer', 'optimizer', 'run']);
  assert.deepEqual(r.config.model, { name: 'resnet18', numClasses: 10, stem: 'small', pretrained: false });
  assert.equal((r.config.trainer as { seed: number }).seed, 7, '_self_ after trainer: the primary wins');
  assert.equal((r.config.trainer as { maxEpochs: number }).maxEpochs, 10);
  assert.deepEqual(r.choices, { model: 'resnet18', data: 'fashion_mnist', trainer: 'default', optimizer: 'adamw', callbacks: 'none_such' });
  assert.equal(at(r, 'model.stem'), 'conf-base/model/resnet18.yaml:3');
  assert.equal(at(r, 'trainer.seed'), 'conf-base/config.yaml:13');
  assert.equal(at(r, 'trainer.maxEpochs'), 'conf-base/trainer/default.yaml:1');
  assert.equal(at(r, 'data.mean[0]'), 'conf-base/data/fashion_mnist.yaml:4');
  assert.equal(r.config.defaults, undefined);
});

void test('_self_ first: the defaults override the primary; no _self_: the primary comes last', () => {
  const first = compose('self-first');
  assert.deepEqual(first.config.trainer, { seed: 0, maxEpochs: 10, precision: 32 });
  assert.equal(at(first, 'trainer.seed'), 'conf-base/trainer/default.yaml:2');
  const implicit = compose('implicit-self');
  assert.equal((implicit.config.trainer as { seed: number }).seed, 5);
});

void test('optional entries that are missing are skipped; group: null drops a group; override entries choose', () => {
  assert.equal(compose('config').config.callbacks, undefined);
  const r = compose('with-null');
  assert.deepEqual(Object.keys(r.config), ['model']);
  assert.equal((r.config.model as { name: string }).name, 'resnet50', '`override model: resnet50` wins over `model: resnet18`');
  assert.equal(r.choices.optimizer, null);
});

void test('nested defaults: an option built on another option of its group and an absolute group', () => {
  const r = compose('nested');
  assert.deepEqual(r.config.model, { name: 'resnet50', numClasses: 10, stem: 'imagenet', pretrained: false, width: 2 });
  assert.equal((r.config.trainer as { maxEpochs: number }).maxEpochs, 100);
  assert.deepEqual(r.choices, { model: 'resnet50_big', trainer: 'long' });
});

void test('the command line chooses, adds, lists and drops groups, and sets values', () => {
  const r = compose('config', ['model=resnet50', 'callbacks=[early_stopping,checkpoint]', '~optimizer', 'trainer.maxEpochs=3']);
  assert.equal((r.config.model as { stem: string }).stem, 'imagenet');
  assert.deepEqual(r.config.callbacks, { earlyStopping: { monitor: 'val/loss', patience: 3 }, checkpoint: { monitor: 'val/acc' } });
  assert.equal(r.config.optimizer, undefined);
  assert.equal((r.config.trainer as { maxEpochs: number }).maxEpochs, 3);
  assert.equal(at(r, 'trainer.maxEpochs'), "override 'trainer.maxEpochs=3'");
  assert.equal(at(r, 'callbacks.earlyStopping.patience'), 'conf-base/callbacks/early_stopping.yaml:3', '# @package places the option');
  assert.equal(r.overrides.length, 4);
  const added = compose('self-first', ['+model=resnet18', '++optimizer=sgd', '++trainer=long']);
  assert.equal((added.config.model as { name: string }).name, 'resnet18');
  assert.equal((added.config.optimizer as { name: string }).name, 'sgd');
  assert.equal((added.config.trainer as { maxEpochs: number }).maxEpochs, 100);
  assert.equal(compose('config', ['model=null']).config.model, undefined);
});

void test("a user's config dir extends ours: its primary lists our groups and its own option", () => {
  const r = compose('experiment', [], [user, base]);
  assert.equal((r.config.model as { name: string }).name, 'tiny');
  assert.equal(at(r, 'model.name'), 'conf-user/model/tiny.yaml:1');
  assert.equal(at(r, 'data.root'), 'conf-base/data/fashion_mnist.yaml:1');
  assert.equal((r.config.trainer as { maxEpochs: number }).maxEpochs, 2);
  assert.equal((compose('experiment', ['model=resnet50'], [user, base]).config.model as { name: string }).name, 'resnet50');
  assert.equal((compose('config', ['model=tiny'], [user, base]).config.model as { name: string }).name, 'tiny');
  throwsConfig(
    () => compose('experiment', ['model=tiyn'], [user, base]),
    /among resnet18, resnet50, resnet50_big, tiny \(did you mean `tiny`\?\), but got 'tiyn'/,
  );
});

void test('a missing option names the file:line or override, the choices and the nearest one', () => {
  throwsConfig(
    () => compose('bad-option'),
    /defaults: expected an option of group `model` among resnet18, resnet50, resnet50_big \(did you mean `resnet50`\?\), but got 'resnet5' \(.*conf-base\/bad-option\.yaml:2\)/,
  );
  throwsConfig(() => compose('config', ['model=resnet5']), /but got 'resnet5' \(override 'model=resnet5'\)/);
  throwsConfig(
    () => compose('confg'),
    /compose: expected a primary config among .*config.* \(did you mean `config`\?\) in .*, but got 'confg'/,
  );
});

void test('group overrides that match nothing, duplicates, cycles and bad YAML are errors', () => {
  throwsConfig(
    () => compose('bad-override'),
    /expected `override optimiser` to name a group of the defaults list \(model\).*bad-override\.yaml:3/,
  );
  throwsConfig(
    () => compose('with-null', ['data=fashion_mnist']),
    /override 'data=fashion_mnist': expected a group of the defaults list \(model, optimizer\).*; to add it use `\+data=fashion_mnist`/,
  );
  throwsConfig(
    () => compose('config', ['+model=resnet50']),
    /expected each group once .* `model` again .*; choose its option with `model=resnet50`/,
  );
  throwsConfig(
    () => compose('config', ['model=resnet18,resnet50']),
    /expected one option, but got a sweep of 2; run sweeps with -m\/--multirun/,
  );
  throwsConfig(() => compose('cycle-a'), /defaults: expected no cycle, but got cycle-a -> cycle-b -> cycle-a/);
  throwsConfig(
    () => compose('bad-yaml'),
    /config: expected valid YAML in .*bad-yaml\.yaml, but got: Nested mappings are not allowed in compact mappings \(.*bad-yaml\.yaml:2\)$/,
  );
});

void test('value overrides that fail are all reported, with the nearest key and the +key hint', () => {
  assert.throws(
    () => compose('config', ['trainer.maxEpoch=3', '+trainer.seed=1', 'a=[1', 'optimizer.lr=1,2']),
    (e: Error) => e instanceof ConfigError && e.issues.length === 1 && /a=\[1/.test(e.message),
    'malformed overrides are reported before composing',
  );
  assert.throws(
    () => compose('config', ['trainer.maxEpoch=3', '+trainer.seed=1', 'optimizer.lr=1,2', '~trainer.sed']),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.issues.length, 4);
      assert.match(
        e.issues[0].message,
        /override 'trainer\.maxEpoch=3': expected an existing key \(did you mean `trainer\.maxEpochs`\?\), but got `trainer\.maxEpoch`; to add a new key use `\+trainer\.maxEpoch=3`/,
      );
      assert.match(
        e.issues[1].message,
        /expected a new key, but `trainer\.seed` exists \(.*config\.yaml:13\); to replace it use `trainer\.seed=1` or `\+\+trainer\.seed=1`/,
      );
      assert.match(e.issues[2].message, /run sweeps with -m\/--multirun/);
      assert.match(e.issues[3].message, /did you mean `trainer\.seed`\?/);
      return true;
    },
  );
});
