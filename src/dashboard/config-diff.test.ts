import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configDifferences, flattenConfig } from './config-diff.js';

describe('configDifferences', () => {
  it('flattens nested keys with dots, arrays whole', () => {
    assert.deepEqual(flattenConfig({ a: { b: 1, c: { d: 'x' } }, e: [1, 2], f: null }), { 'a.b': 1, 'a.c.d': 'x', e: [1, 2], f: null });
  });

  it('lists only the keys that differ, a missing key included, clock-made run dirs left out', () => {
    const differences = configDifferences({
      r1: { optimizer: { name: 'adamw', lr: 0.1 }, run: { dir: 'outputs/a' }, transforms: { train: [{ name: 'flip' }] } },
      r2: { optimizer: { name: 'adamw', lr: 0.01 }, run: { dir: 'outputs/b' }, transforms: { train: [] }, ckptPath: 'last' },
    });
    assert.deepEqual(differences, [
      { key: 'optimizer.lr', values: { r1: 0.1, r2: 0.01 } },
      { key: 'transforms.train', values: { r1: [{ name: 'flip' }], r2: [] } },
      { key: 'ckptPath', values: { r2: 'last' } },
    ]);
  });
});
