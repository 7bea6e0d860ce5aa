import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { dataFormatSchema } from '../data/data-formats.js';
import { dataModuleSchema } from '../data/datamodule-options.js';
import type { ImageClassificationDataModule } from '../data/index.js';
import { registry } from '../registry.js';
import { RUN_DIR_ENV } from '../training/strategies/ddp-env.js';
import { composeRunConfig } from './compose-run-config.js';
import { buildDataModule, loadComponents } from './run-builder.js';
import { resolveRunPlan } from './run-plan.js';

await loadComponents();

/** Counts the parses of a zod schema while `fn` runs. */
function countParses(schema: { safeParse: (...a: never[]) => unknown }, fn: () => void): number {
  const original = schema.safeParse;
  let calls = 0;
  schema.safeParse = (...args: never[]) => {
    calls++;
    return original.apply(schema, args);
  };
  try {
    fn();
  } finally {
    schema.safeParse = original;
  }
  return calls;
}

void test('the plan is frozen, with every default filled in and the run dir decided once', () => {
  const run = composeRunConfig({ overrides: ['run.dir=outputs/plan-test', 'optimizer=sgd'] });
  const plan = resolveRunPlan(run);
  assert.ok(Object.isFrozen(plan) && Object.isFrozen(plan.data) && Object.isFrozen(plan.trainer));
  assert.throws(() => {
    (plan.data as Record<string, unknown>).batchSize = 1;
  }, TypeError);
  assert.equal(plan.runDir, path.resolve('outputs/plan-test'));
  assert.equal(plan.config, run.saved);
  // Defaults from the schemas: SGD's dampening, the data module's prefetch, the group key useClassWeights.
  assert.equal(plan.optimizer.dampening, 0);
  assert.equal(plan.data.prefetch, 2);
  assert.equal(plan.loss.useClassWeights, false, 'conf/loss/cross_entropy.yaml sets it');
  // A DDP worker started by our launcher writes into the launcher's run dir; a caller may decide it too.
  const ddp = composeRunConfig({ overrides: ['run.dir=outputs/plan-test', 'trainer.strategy=ddp'] });
  assert.equal(resolveRunPlan(ddp, { env: { [RUN_DIR_ENV]: '/tmp/launcher-run' } }).runDir, '/tmp/launcher-run');
  assert.equal(resolveRunPlan(ddp, { env: {} }).runDir, path.resolve('outputs/plan-test'));
  assert.equal(resolveRunPlan(run, { runDir: 'elsewhere' }).runDir, path.resolve('elsewhere'));
});

void test('data.batchSize is checked once, by the plan, on its way from the YAML to the loader', () => {
  const run = composeRunConfig({ overrides: ['data.batchSize=96'] });
  let dm: ImageClassificationDataModule | null = null;
  let plan: ReturnType<typeof resolveRunPlan> | null = null;
  const parses = countParses(dataModuleSchema, () => {
    const registryParses = countParses(dataFormatSchema, () => {
      plan = resolveRunPlan(run);
      dm = buildDataModule(plan);
    });
    assert.equal(registryParses, 0, 'the registry builds the plan section as it is');
  });
  assert.equal(parses, 0, 'the data module takes the options the registry built it with');
  assert.equal(plan!.data.batchSize, 96);
  assert.equal(dm!.options.batchSize, 96);
  // The one check names the key and where its value came from.
  const bad = composeRunConfig({ overrides: ['data.batchSize=0'] });
  assert.throws(
    () => resolveRunPlan(bad),
    (e: Error) =>
      e instanceof ConfigError && e.issues.some((i) => i.path === 'data.batchSize' && /data\.batchSize=0/.test(i.location ?? '')),
  );
});

void test('registry.build still checks options it is handed by anyone but the plan', () => {
  assert.throws(
    () => registry.build('data_format', { format: 'idx', batchSize: 0 }),
    (e: Error) => e instanceof ConfigError && e.issues.some((i) => i.path === 'data_format.idx.batchSize'),
  );
  const dm = registry.build<ImageClassificationDataModule>('data_format', { format: 'idx', numClasses: null, imageSize: 28 });
  assert.equal(dm.options.format, 'idx', 'the group keys (numClasses, imageSize) are the config’s, not the data module’s');
  assert.equal(registry.build('scheduler', { name: 'none', interval: 'step' }), null, "the scheduler group's 'none' builds no scheduler");
});
