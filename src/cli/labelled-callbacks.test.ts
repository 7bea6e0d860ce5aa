import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { ModelCheckpoint } from '../training/callbacks/model-checkpoint.js';
import { composeRunConfig } from './compose-run-config.js';
import { buildTrainer, loadComponents, validateRunConfig } from './run-builder.js';

await loadComponents();

const validate = (overrides: string[]) => {
  const run = composeRunConfig({ overrides });
  return validateRunConfig(run.config, run.sources);
};

void test('a labelled callback entry names its kind, so a second ModelCheckpoint sits beside the default one', () => {
  const options = validate([
    '+callbacks.best_loss.name=model_checkpoint',
    '+callbacks.best_loss.monitor=val/loss',
    "+callbacks.best_loss.filename='loss-{epoch}'",
  ]);
  const trainer = buildTrainer(options);
  const checkpoints = trainer.callbacks.filter((c): c is ModelCheckpoint => c instanceof ModelCheckpoint);
  assert.deepEqual(checkpoints.map((c) => [c.options.monitor, c.options.mode, c.options.filename]).sort(), [
    ['val/acc_top1', 'max', '{epoch}-{step}'],
    ['val/loss', 'min', 'loss-{epoch}'],
  ]);
});

void test("a labelled entry without a registered name, or with another kind's option, is a ConfigError naming the key", () => {
  assert.throws(
    () => validate(['+callbacks.best_loss.monitor=val/loss']),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.issues.some(
        (i) => i.path === 'callbacks.best_loss.name' && i.message.includes('model_checkpoint') && i.message.includes('early_stopping'),
      ),
  );
  assert.throws(
    () => validate(['+callbacks.best_loss.name=model_checkpoint', '+callbacks.best_loss.patience=3']),
    (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'callbacks.best_loss.patience'),
  );
  assert.throws(
    () => validate(['+callbacks.model_checkpoint.name=model_checkpoint']),
    (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'callbacks.model_checkpoint.name'),
    'a key that is a registered name takes its options directly',
  );
});
