import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registry } from '../../registry.js';
import * as loggers from './index.js';

void test('the index exports the four loggers and registers each under its name', () => {
  const built = ['console', 'csv', 'jsonl', 'tensorboard'].map((name) => registry.build<{ name: string }>('logger', name, {}));
  assert.deepEqual(registry.list('logger'), ['console', 'csv', 'jsonl', 'tensorboard']);
  assert.deepEqual(
    built.map((l) => [l.name, l.constructor]),
    [
      ['console', loggers.ConsoleLogger],
      ['csv', loggers.CSVLogger],
      ['jsonl', loggers.JSONLLogger],
      ['tensorboard', loggers.TensorBoardLogger],
    ],
  );
});
