// Every registered model can be chosen with `model=<name>` (a conf/model file
// the model's schema accepts, numClasses and inChannels from the data), every
// conf/model file names a registered model, and every known weights id names
// a registered model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { composeRunConfig } from '../cli/compose-run-config.js';
import { registry } from '../registry.js';
import { pretrainedWeights } from './pretrained-weights.js';
import './index.js';

const confDir = new URL('../../conf/model/', import.meta.url);
const confNames = readdirSync(confDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

void test('every registered model has a conf/model file its schema accepts, and every file a registered model', () => {
  const registered = registry.list('model').sort();
  assert.deepEqual(confNames, registered);
  for (const name of registered) {
    const { config } = composeRunConfig({ overrides: [`model=${name}`, 'data.numClasses=7', 'data.channels=1'] });
    const { name: chosen, ...model } = config.model as Record<string, unknown>;
    assert.equal(chosen, name);
    const options = registry.configSchema('model', name).parse(model) as Record<string, unknown>;
    assert.equal(options.numClasses, 7, `${name}: numClasses from the data`);
    assert.equal(options.inChannels, 1, `${name}: inChannels from the data`);
  }
});

void test('every known weights id names a registered model and starts with its name', () => {
  const registered = new Set(registry.list('model'));
  for (const [id, entry] of Object.entries(pretrainedWeights)) {
    assert.ok(registered.has(entry.model), `${id}: model ${entry.model} is registered`);
    assert.ok(id.startsWith(`${entry.model}.`), `${id} starts with ${entry.model}.`);
  }
});
