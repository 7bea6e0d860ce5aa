// conv2d with a one-pixel output runs as a matrix product: values and gradients against PyTorch's
// F.conv2d (fixtures: scripts/fixtures/ops.py, conv_single_output_cases), in both memory formats and under bf16 autocast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy } from '../memory.js';
import { autocast } from '../runtime.js';
import { singleOutputConv2d } from './conv2d-single-output.js';
import { runT } from './dispatch.js';
import * as F from './nn-functional.js';
import { assertClose, checkTable, loadFixture } from './parity.test-helper.js';
import type { CaseEntry } from './parity.test-helper.js';
import { contiguous } from './shape.js';

const fx = loadFixture('conv_single');
const loose = { rtol: 1e-5, atol: 1e-5 };

const cases: Record<string, [F.Conv2dOptions, boolean]> = {
  k3p1_on_1x1: [{ padding: 1 }, true],
  k3s2p1_on_2x2: [{ stride: 2, padding: 1 }, true],
  k3s2_on_4x4: [{ stride: 2 }, true],
  k7s2p3_on_1x2: [{ stride: 2, padding: 3 }, true],
  // A 1x1 kernel and a four-pixel output keep oneDNN's convolution.
  k1s2_on_2x2: [{ stride: 2 }, false],
  k3p1_on_2x2: [{ padding: 1 }, false],
};

const table: Record<string, CaseEntry> = {};
for (const [name, [options]] of Object.entries(cases)) {
  table[name] = [(x, w, b) => F.conv2d(x, w, b ?? null, options), loose];
  table[`${name}/channels_last`] = [
    (x, w, b) => F.conv2d(contiguous(x, 'channelsLast'), contiguous(w, 'channelsLast'), b ?? null, options),
    loose,
  ];
}
// The channels-last entries read the same fixture inputs under their case's name.
const aliased: Record<string, ReturnType<typeof loadFixture>[string]> = { ...fx };
for (const key of Object.keys(fx)) {
  const [name, part] = key.split('/');
  aliased[`${name}/channels_last/${part}`] = fx[key];
}
checkTable(aliased, table, (name, body) => void test(name, body));

const geometry = (o: F.Conv2dOptions) => {
  const pair = (v: number | readonly [number, number] | undefined, d: number) =>
    v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [...v];
  return { stride: pair(o.stride, 1), padding: pair(o.padding as number | undefined, 0), dilation: [1, 1], groups: 1 };
};

test('the matrix-product path is taken exactly when the output is one pixel and the kernel more than one tap', () => {
  for (const [name, [options, single]] of Object.entries(cases)) {
    tidy(() => {
      const out = singleOutputConv2d(fx[`${name}/in0`], fx[`${name}/in1`], fx[`${name}/in2`] ?? null, geometry(options));
      assert.equal(out !== null, single, name);
    });
  }
  tidy(() => {
    const x = fx['k3p1_on_1x1/in0'];
    const w = fx['k3p1_on_1x1/in1'];
    assert.equal(singleOutputConv2d(x, w, null, { ...geometry({ padding: 1 }), dilation: [2, 2] }), null, 'dilation');
    assert.equal(singleOutputConv2d(x.reshape([24, 1, 1]), w, null, geometry({ padding: 1 })), null, 'unbatched input');
  });
});

test('under bf16 autocast the path gives what the convolution gives, in bfloat16', () => {
  tidy(() => {
    const x = fx['k3p1_on_1x1/in0'];
    const w = fx['k3p1_on_1x1/in1'];
    const b = fx['k3p1_on_1x1/in2'];
    const ours = autocast(() => F.conv2d(x, w, b, { padding: 1 }), { device: 'cpu', dtype: 'bfloat16' });
    const conv = autocast(() => runT('aten::conv2d', '', [x, w, b, [1, 1], [1, 1], [1, 1], 1]), { device: 'cpu', dtype: 'bfloat16' });
    assert.equal(ours.dtype, 'bfloat16');
    assert.deepEqual(ours.shape, [4, 5, 1, 1]);
    assertClose(ours.float(), conv.float(), 'bf16', { rtol: 1e-2, atol: 1e-2 });
  });
});
