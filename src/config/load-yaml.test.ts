import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { loadYamlText } from './load-yaml.js';

void test('every key keeps its line; list items too; the package directive is read', () => {
  const text = [
    '# @package _global_',
    '# a comment',
    'trainer:',
    '  maxEpochs: 10',
    '  tags:',
    '    - a',
    '    - {k: 1}',
    'lr: 1e-3',
    '',
  ].join('\n');
  const { value, sources, packageDirective } = loadYamlText(text, 'conf/x.yaml');
  assert.deepEqual(value, { trainer: { maxEpochs: 10, tags: ['a', { k: 1 }] }, lr: 0.001 });
  assert.equal(packageDirective, '_global_');
  const lines = Object.fromEntries([...sources].map(([k, v]) => [k, `${v.file}:${v.line}`]));
  assert.deepEqual(lines, {
    trainer: 'conf/x.yaml:3',
    'trainer.maxEpochs': 'conf/x.yaml:4',
    'trainer.tags': 'conf/x.yaml:5',
    'trainer.tags[0]': 'conf/x.yaml:6',
    'trainer.tags[1]': 'conf/x.yaml:7',
    'trainer.tags[1].k': 'conf/x.yaml:7',
    lr: 'conf/x.yaml:8',
  });
  assert.equal(loadYamlText('a: 1\n# @package x\n', 'f').packageDirective, undefined, 'only the header counts');
  assert.equal(loadYamlText('', 'f').value, null);
});

void test('syntax errors and duplicate keys name file:line', () => {
  assert.throws(
    () => loadYamlText('a: 1\na: 2\n', 'conf/dup.yaml'),
    (e: Error) => e instanceof ConfigError && e.issues[0].location === 'conf/dup.yaml:2',
  );
  assert.throws(
    () => loadYamlText('a: [1, 2\n', 'conf/bad.yaml'),
    /config: expected valid YAML in conf\/bad\.yaml, but got: .*\(conf\/bad\.yaml:\d\)/,
  );
});
