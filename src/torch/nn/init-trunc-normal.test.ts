// init.truncNormal_ draws exactly what torch.nn.init.trunc_normal_ draws
// (fixture: scripts/fixtures/trunc_normal.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSafetensors } from '../serialization/safetensors.js';
import { manualSeed } from '../runtime.js';
import { empty } from '../ops/creation.js';
import { init } from './index.js';

const fixture = loadSafetensors(new URL('../../../test/fixtures/nn/trunc-normal.safetensors', import.meta.url).pathname).tensors;

void test('truncNormal_ equals torch.nn.init.trunc_normal_ bit for bit for the same seed', () => {
  const cases: [string, Parameters<typeof init.truncNormal_>[1]][] = [
    ['std_0_02', { std: 0.02 }],
    ['default', {}],
    ['shifted', { mean: 0.5, std: 1, a: -1, b: 2 }],
    ['narrow', { mean: -0.1, std: 0.3, a: -0.2, b: 0.25 }],
  ];
  cases.forEach(([name, options], i) => {
    manualSeed(20 + i);
    const w = init.truncNormal_(empty([16, 24]), options);
    assert.deepEqual(Array.from(w.data() as Float32Array), Array.from(fixture[name].data() as Float32Array), name);
    const values = w.data() as Float32Array;
    const { mean = 0, a = -2, b = 2 } = options ?? {};
    assert.ok(
      values.every((v) => v >= a && v <= b && v !== mean),
      `${name}: within [${a}, ${b}]`,
    );
    w.dispose();
  });
});
