import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registry } from '../../registry.js';
import { ConsoleLogger, isEpochLevel } from './console-logger.js';

void test('one line per epoch with epoch-level names only, train before val, loss first', async () => {
  const lines: string[] = [];
  const logger = new ConsoleLogger({ print: (line) => lines.push(line) });
  logger.logMetrics({ 'train/loss_step': 2.5 }, { step: 50, epoch: 3 });
  logger.logMetrics({ 'val/acc_top1': 0.87123, 'val/loss': 0.39812, 'val/acc_class/cat': 0.5, lr: 0.01 }, { step: 1200, epoch: 3 });
  logger.logMetrics({ 'train/loss': 0.41234 }, { step: 1200, epoch: 3 });
  assert.deepEqual(lines, []);
  await logger.flush();
  assert.deepEqual(lines, ['epoch 3 step 1200 | train/loss 0.4123 val/loss 0.3981 val/acc_top1 0.8712']);
  await logger.flush();
  assert.equal(lines.length, 1, 'nothing new, nothing printed');

  // A later epoch's value prints the previous epoch's line first.
  logger.logMetrics({ 'train/loss': 0.3 }, { step: 1600, epoch: 4 });
  logger.logMetrics({ 'train/loss': 0.25, 'val/loss': 123456.7 }, { step: 2000, epoch: 5 });
  await logger.finalize('success');
  assert.deepEqual(lines.slice(1), ['epoch 4 step 1600 | train/loss 0.3', 'epoch 5 step 2000 | train/loss 0.25 val/loss 123500']);
});

void test('digits option, non-finite values, registry build', async () => {
  const lines: string[] = [];
  const logger = registry.build<ConsoleLogger>('logger', 'console', { print: (line: string) => lines.push(line), digits: 2 });
  logger.logMetrics({ 'test/acc_top1': 0.98765, 'test/loss': NaN }, { step: 7, epoch: 0 });
  await logger.finalize('success');
  assert.deepEqual(lines, ['epoch 0 step 7 | test/loss NaN test/acc_top1 0.99']);
  assert.throws(() => registry.build('logger', 'console', { print: 'stdout' }), /console\.print/);
  assert.ok(isEpochLevel('val/loss') && !isEpochLevel('train/loss_step') && !isEpochLevel('val/acc_class/cat') && !isEpochLevel('lr'));
});
