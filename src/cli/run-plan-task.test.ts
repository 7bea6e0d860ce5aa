// The run plan's task key: multiclass by default, task=multilabel picks bce and monitors val/mAP, and a
// loss or threshold of the other task is refused before anything is built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { composeRunConfig } from './compose-run-config.js';
import { loadComponents } from './run-builder.js';
import { resolveRunPlan } from './run-plan.js';

await loadComponents();
const plan = (...overrides: string[]) => resolveRunPlan(composeRunConfig({ overrides }));

void test('task defaults to multiclass; task=multilabel picks bce, threshold 0.5 and the val/mAP monitor', () => {
  const single = plan();
  assert.deepEqual([single.task, single.loss.name, single.thresholds], ['multiclass', 'cross_entropy', 0.5]);
  const multi = plan('task=multilabel');
  assert.deepEqual([multi.task, multi.loss.name, multi.loss.labelSmoothing, multi.thresholds], ['multilabel', 'bce', 0, 0.5]);
  const checkpoint = multi.callbacks?.model_checkpoint as { monitor: string; mode: string };
  assert.deepEqual([checkpoint.monitor, checkpoint.mode], ['val/mAP', 'max']);
  assert.ok(multi.callbacks !== undefined && 'precision_recall' in multi.callbacks);
  const asl = plan('task=multilabel', 'loss=asl', 'thresholds=tuned');
  assert.deepEqual([asl.loss.name, asl.loss.gammaNeg, asl.thresholds], ['asl', 4, 'tuned']);
});

void test('a loss or threshold of the other task is a ConfigError naming the key and the way out', () => {
  const refused = (overrides: string[], pattern: RegExp): void =>
    assert.throws(
      () => plan(...overrides),
      (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
      overrides.join(' '),
    );
  refused(['task=multilabel', 'loss=focal'], /loss.name: expected a multi-label loss \(bce, asl\) with task=multilabel, but got 'focal'/);
  refused(['loss=bce'], /loss.name: expected a single-label loss with task=multiclass, but got 'bce'.*set task=multilabel/);
  refused(['thresholds=tuned'], /thresholds: expected a number with task=multiclass.*set task=multilabel/);
  refused(['task=multilabel', 'thresholds=1.5'], /thresholds/);
  refused(['task=several'], /task/);
});
