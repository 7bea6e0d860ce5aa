import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { applyOverrides } from './apply-overrides.js';
import { loadYamlText } from './load-yaml.js';
import { parseOverride } from './override-parser.js';
import { formatSource } from './source-map.js';

const setup = () => {
  const { value, sources } = loadYamlText('optimizer:\n  name: adamw\n  lr: 0.1\n  betas: [0.9, 0.999]\ntags: [a]\n', 'c.yaml');
  return { config: value as Record<string, unknown>, sources };
};
const apply = (config: Record<string, unknown>, sources: Map<string, { file: string; line?: number }>, ...texts: string[]) =>
  applyOverrides(config, sources, texts.map(parseOverride));

void test('set, merge a mapping, set a list item, add, force-add and delete', () => {
  const { config, sources } = setup();
  apply(config, sources, 'optimizer={lr:0.2,eps:1e-8}', 'optimizer.betas[1]=0.99', '+run.dir=out', '++tags=[b,c]', '~optimizer.name=adamw');
  assert.deepEqual(config, { optimizer: { lr: 0.2, betas: [0.9, 0.99], eps: 1e-8 }, tags: ['b', 'c'], run: { dir: 'out' } });
  assert.equal(formatSource(sources.get('optimizer.lr')), "override 'optimizer={lr:0.2,eps:1e-8}'");
  assert.equal(formatSource(sources.get('optimizer')), 'c.yaml:1', 'a merged mapping keeps its own line');
  assert.equal(formatSource(sources.get('optimizer.betas[0]')), 'c.yaml:4');
  assert.equal(formatSource(sources.get('tags[1]')), "override '++tags=[b,c]'");
  assert.equal(sources.has('optimizer.name'), false);
});

void test('every failing override is reported at once', () => {
  const { config, sources } = setup();
  assert.throws(
    () => apply(config, sources, 'optimizer.l=1', '+optimizer.lr=1', '~optimizer.lr=5', '~nope', 'optimizer.lr.x=1'),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.deepEqual(
        e.issues.map((i) => i.path),
        ['optimizer.l', 'optimizer.lr', 'optimizer.lr', 'nope', 'optimizer.lr.x'],
      );
      assert.match(e.issues[0].message, /\(did you mean `optimizer\.lr`\?\).*use `\+optimizer\.l=1`/);
      assert.match(e.issues[1].message, /`optimizer\.lr` exists \(c\.yaml:3\)/);
      assert.match(e.issues[2].message, /expected `optimizer\.lr` to be 5 to delete it, but got 0\.1/);
      assert.match(e.issues[4].message, /expected an existing key/);
      return true;
    },
  );
  assert.equal((config.optimizer as { lr: number }).lr, 0.1);
});
