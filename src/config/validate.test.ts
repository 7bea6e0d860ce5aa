import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { composeConfig } from './compose.js';
import { resolveInterpolations } from './interpolate.js';
import { configJsonSchema } from './json-schema.js';
import { formatConfigError, validateConfig } from './validate.js';

const base = join(import.meta.dirname, '../../test/fixtures/conf-base');

const schema = z
  .object({
    model: z
      .object({ name: z.string(), numClasses: z.number().int().positive(), stem: z.enum(['small', 'imagenet']), pretrained: z.boolean() })
      .strict(),
    data: z
      .object({ root: z.string(), batchSize: z.number().int().positive(), imageSize: z.number(), mean: z.array(z.number()).optional() })
      .strict(),
    trainer: z
      .object({ maxEpochs: z.number().int(), seed: z.number().int(), precision: z.literal([32, 16]), device: z.string().default('cpu') })
      .strict(),
    optimizer: z.object({ name: z.string(), lr: z.number(), weightDecay: z.number().optional(), momentum: z.number().optional() }).strict(),
    run: z.object({ dir: z.string() }).strict(),
  })
  .strict();

const composeResolved = (overrides: string[]) => {
  const r = composeConfig({ configDirs: [base], configName: 'config', overrides });
  return { ...r, config: resolveInterpolations(r.config, { sources: r.sources }) };
};

void test('a valid config parses, with defaults filled in', () => {
  const { config, sources } = composeResolved(['optimizer=sgd']);
  const parsed = validateConfig(config, schema, sources);
  assert.equal(parsed.trainer.device, 'cpu');
  assert.equal(parsed.optimizer.momentum, 0.9);
  assert.match(parsed.run.dir, /^outputs\/\d{4}-\d{2}-\d{2}\/\d{2}-\d{2}-\d{2}$/);
});

void test('every issue at once, each with its key, expectation, what came, file:line and did-you-mean', () => {
  const { config, sources } = composeResolved([
    'trainer.maxEpochs=ten',
    '+trainer.maxEpoch=3',
    'model.stem=smal',
    'model.numClasses=-1',
    '~data.root',
    '+extra=1',
  ]);
  (config.data as Record<string, unknown>).batchSize = '???';
  assert.throws(
    () => validateConfig(config, schema, sources),
    (e: Error) => {
      assert.ok(e instanceof ConfigError);
      const byPath = new Map(e.issues.map((i) => [i.path, i]));
      assert.equal(e.issues.length, 7, formatConfigError(e));
      assert.match(e.message, /^config: expected a valid config, but got 7 problems:\n/);
      assert.deepEqual(byPath.get('trainer.maxEpochs'), {
        path: 'trainer.maxEpochs',
        message: 'expected number, but got string "ten"',
        location: "override 'trainer.maxEpochs=ten'",
      });
      assert.equal(
        byPath.get('trainer.maxEpoch')?.message,
        'expected a known key of `trainer` (did you mean `trainer.maxEpochs`?), but got unknown key `maxEpoch`',
      );
      assert.equal(byPath.get('model.stem')?.message, 'expected one of small, imagenet (did you mean `small`?), but got string "smal"');
      assert.match(byPath.get('model.numClasses')!.message, /expected number to be >0, but got number -1/);
      assert.match(byPath.get('data.root')!.message, /expected string, but got nothing \(the key is missing\)/);
      assert.match(byPath.get('data.root')!.location!, /conf-base\/data\/fashion_mnist\.yaml:1$/);
      assert.match(
        byPath.get('data.batchSize')!.message,
        /expected a value, but got \?\?\? \(mandatory, missing\); set it with `data\.batchSize=\.\.\.`/,
      );
      assert.match(byPath.get('data.batchSize')!.location!, /fashion_mnist\.yaml:2$/);
      assert.match(byPath.get('extra')!.message, /\(known keys: model, data, trainer, optimizer, run\), but got unknown key `extra`/);
      const lines = formatConfigError(e).split('\n');
      assert.equal(lines.length, 7);
      assert.ok(
        lines.includes('trainer.maxEpochs: expected number, but got string "ten" (override \'trainer.maxEpochs=ten\')'),
        lines.join('\n'),
      );
      return true;
    },
  );
});

void test('issues in YAML files point at the line of the value', () => {
  const { config, sources } = composeResolved([]);
  (config.model as Record<string, unknown>).pretrained = 'no';
  assert.throws(
    () => validateConfig(config, schema, sources),
    (e: Error) =>
      e instanceof ConfigError &&
      /model\.pretrained: expected boolean, but got string "no" \(.*conf-base\/model\/resnet18\.yaml:4\)/.test(formatConfigError(e)),
  );
  assert.throws(
    () =>
      validateConfig(composeConfig({ configDirs: [base], configName: 'config', overrides: ['data=image_folder'] }).config, schema, sources),
    /data\.root: expected a value, but got \?\?\? \(mandatory, missing\)/,
  );
});

void test('configJsonSchema describes the input side: keys with defaults are optional', () => {
  const json = configJsonSchema(schema, { title: 'classifier-training config' });
  assert.equal(json.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(json.title, 'classifier-training config');
  const trainer = (
    json.properties as Record<string, { required: string[]; properties: Record<string, unknown>; additionalProperties: boolean }>
  ).trainer;
  assert.deepEqual(trainer.required.sort(), ['maxEpochs', 'precision', 'seed']);
  assert.deepEqual(trainer.properties.device, { default: 'cpu', type: 'string' });
  assert.equal(trainer.additionalProperties, false);
});
