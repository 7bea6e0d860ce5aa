// Every key has one default: the shipped YAML (conf/**) sets only keys a schema declares, restates the
// data module's defaults in the default data option without contradicting them, and the code beneath a
// schema (the DataLoader, the ClassificationModule) takes its defaults from that schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import YAML from 'yaml';
import { DataLoader } from '../data/data-loader.js';
import { dataModuleSchema } from '../data/datamodule-options.js';
import type { ImageDataset } from '../data/dataset.js';
import { parseClassificationOptions } from '../models/classification-options.js';
import { registry } from '../registry.js';
import { composeRunConfig, packageConfigDir } from './compose-run-config.js';
import { loadComponents } from './run-builder.js';
import { resolveRunPlan } from './run-plan.js';

await loadComponents();

const groups = readdirSync(packageConfigDir, { withFileTypes: true }).filter((d) => d.isDirectory());
const optionsOf = (group: string) =>
  readdirSync(path.join(packageConfigDir, group))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length));
const defaultOf = (schema: z.ZodType): unknown => {
  const parsed = schema.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
};

void test('every option of every config group sets only keys its schemas declare', () => {
  assert.ok(groups.length >= 8, `config groups in ${packageConfigDir}`);
  for (const group of groups.map((g) => g.name)) {
    for (const option of optionsOf(group)) {
      // Resolving checks every key against the strict schemas; the ImageNet options (and experiment=finetune) need a folder to read.
      const imagenet = ['image_folder', 'jsonl', 'csv', 'imagenet', 'finetune'].includes(option)
        ? ['data=image_folder', 'data.root=/data']
        : [];
      // The multi-label losses are refused with the default task=multiclass.
      const task = group === 'loss' && ['bce', 'asl'].includes(option) ? ['task=multilabel'] : [];
      const overrides = [...imagenet, ...task, `${group}=${option}`];
      assert.doesNotThrow(() => resolveRunPlan(composeRunConfig({ overrides })), `conf/${group}/${option}.yaml`);
    }
  }
});

void test('the default data option restates the data module’s defaults and never contradicts them', () => {
  const data = YAML.parse(readFileSync(path.join(packageConfigDir, 'data', 'fashion_mnist.yaml'), 'utf8')) as Record<string, unknown>;
  const checked: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    const field = (dataModuleSchema.shape as Record<string, z.ZodType>)[key];
    // `format` names the component; numClasses, imageSize, resizeSize are the config's own keys.
    if (field === undefined || key === 'format') continue;
    const fallback = defaultOf(field);
    if (fallback === undefined) continue;
    assert.deepEqual(
      value,
      fallback,
      `data.${key}: conf/data/fashion_mnist.yaml says ${JSON.stringify(value)}, the schema ${JSON.stringify(fallback)}`,
    );
    checked.push(key);
  }
  assert.ok(checked.includes('batchSize') && checked.includes('seed'), checked.join());
});

void test('a DataLoader made by hand batches and seeds as the data module does', () => {
  const module = dataModuleSchema.parse({});
  const loader = new DataLoader({ dataset: { length: 300 } as unknown as ImageDataset });
  assert.deepEqual(
    { batchSize: loader.batchSize, seed: loader.seed, dropLast: loader.dropLast, prefetch: loader.prefetch },
    { batchSize: module.batchSize, seed: module.seed, dropLast: module.dropLast, prefetch: module.prefetch },
  );
  assert.equal(loader.length, Math.ceil(300 / module.batchSize));
});

void test('the keys a config sets beside a component’s options have one default, the registry group’s', () => {
  const module = parseClassificationOptions({ numClasses: 2 }) as unknown as Record<string, Record<string, unknown>>;
  const plan = resolveRunPlan(composeRunConfig({ overrides: ['~optimizer.noDecayOnNormAndBias', '~scheduler.interval'] }));
  for (const group of ['loss', 'optimizer', 'scheduler'] as const) {
    const keys = registry.groupKeys(group);
    assert.ok(Object.keys(keys).length > 0, group);
    for (const [key, schema] of Object.entries(keys)) {
      assert.deepEqual(module[group][key], defaultOf(schema), `ClassificationModule's ${group}.${key}`);
      const section = plan[group] as Record<string, unknown>;
      if (group !== 'loss') assert.deepEqual(section[key], defaultOf(schema), `the config's ${group}.${key} left out`);
    }
  }
});
