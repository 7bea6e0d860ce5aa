import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import YAML from 'yaml';
import { configHeadline, readRunConfig } from './run-config.js';

const root = mkdtempSync(join(tmpdir(), 'run-config-'));
after(() => rmSync(root, { recursive: true, force: true }));

function runWith(name: string, config: unknown): string {
  const dir = join(root, name);
  mkdirSync(join(dir, '.config'), { recursive: true });
  writeFileSync(join(dir, '.config', 'config.yaml'), typeof config === 'string' ? config : YAML.stringify(config));
  return dir;
}

describe('configHeadline', () => {
  it('picks the model and data as YAML.stringify wrote them, as a full parse reads them', () => {
    const configs = [
      {
        trainer: { maxEpochs: 3 },
        model: { numClasses: 10, head: { name: 'not this' }, name: 'resnet18' },
        data: { format: 'idx', root: '/data/a: b #c' },
      },
      { data: { format: 'jsonl', batchSize: 4 }, model: { name: 'yes' } },
      { model: { name: 123 }, data: { root: "it's" } },
      { optimizer: { name: 'adamw' } },
    ];
    configs.forEach((config, i) => {
      const dir = runWith(`r${i}`, config);
      const full = readRunConfig(dir).config as { model?: { name?: string | number }; data?: { root?: string; format?: string } };
      const expected = {
        model: full.model?.name === undefined ? null : String(full.model.name),
        data: full.data === undefined ? null : String(full.data.root ?? full.data.format),
      };
      assert.deepEqual(configHeadline(dir), expected, YAML.stringify(config));
    });
    assert.deepEqual(configHeadline(join(root, 'r0')), { model: 'resnet18', data: '/data/a: b #c' });
  });

  it('reads a changed file again, and gives nothing for a run without one', () => {
    const dir = runWith('changing', { model: { name: 'a' } });
    assert.equal(configHeadline(dir).model, 'a');
    writeFileSync(join(dir, '.config', 'config.yaml'), YAML.stringify({ model: { name: 'bb' } }));
    assert.equal(configHeadline(dir).model, 'bb');
    assert.deepEqual(configHeadline(join(root, 'none')), { model: null, data: null });
    assert.deepEqual(readRunConfig(join(root, 'none')), { yaml: '', config: {} });
  });
});
