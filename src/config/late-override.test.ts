import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { composeConfig } from './compose.js';

/** A config tree where an experiment listed after `model` overrides it (Hydra's experiment pattern). */
function writeTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ct-late-override-'));
  const files = {
    // head is chosen after model: model b's override of it is an ordinary, in-order one.
    'train.yaml': 'defaults:\n  - model: a\n  - head: narrow\n  - _self_\n  - experiment: null\nlr: 1\n',
    'model/a.yaml': 'name: a\nwidth: 1\n',
    'model/b.yaml': 'defaults:\n  - override /head: wide\n  - _self_\nname: b\n',
    'head/narrow.yaml': 'size: 1\n',
    'head/wide.yaml': 'size: 9\n',
    'experiment/x.yaml': '# @package _global_\ndefaults:\n  - override /model: b\n  - _self_\nlr: 0.5\n',
    'experiment/bad.yaml': '# @package _global_\ndefaults:\n  - override /nothing: b\n',
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

void test('an override in a config listed after the group it overrides applies, as in Hydra (and brings that option’s overrides)', (t) => {
  const dir = writeTree();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const compose = (overrides: string[]) => composeConfig({ configDirs: [dir], configName: 'train', overrides });
  const plain = compose([]);
  assert.deepEqual(plain.config, { model: { name: 'a', width: 1 }, head: { size: 1 }, lr: 1 });
  const x = compose(['experiment=x']);
  assert.deepEqual(x.config, { model: { name: 'b' }, head: { size: 9 }, lr: 0.5 });
  assert.deepEqual(x.choices, { model: 'b', head: 'wide', experiment: 'x' });
  // The command line still chooses over a config's override.
  assert.equal((compose(['experiment=x', 'model=a']).config.model as { name: string }).name, 'a');
  assert.throws(
    () => compose(['experiment=bad']),
    (e: unknown) => e instanceof ConfigError && /expected `override nothing` to name a group of the defaults list/.test(e.message),
  );
});
