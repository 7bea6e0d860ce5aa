// Views, reshapes, joins and splits against PyTorch (fixtures:
// scripts/fixtures/ops.py, shape_cases), gradients included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tidy } from '../memory.js';
import { zeros } from './creation.js';
import * as s from './shape.js';
import { checkTable, loadFixture } from './parity.test-helper.js';
import type { CaseEntry } from './parity.test-helper.js';

const fx = loadFixture('shape');

const table: Record<string, CaseEntry> = {
  view: (a) => a.view([4, -1]),
  reshape_noncontig: (a) => a.transpose(0, 2).reshape([-1, 6]),
  permute: (a) => a.permute([2, 0, 1]),
  transpose: (a) => a.transpose(0, -1),
  t: (a) => a.t(),
  squeeze_all: (a) => a.squeeze(),
  squeeze_dim: (a) => a.squeeze(2),
  unsqueeze: (a) => a.unsqueeze(-1),
  expand: (a) => a.expand([2, 3, 4]),
  expand_as: (a, b) => a.expandAs(b),
  flatten_all: (a) => a.flatten(),
  flatten_1: (a) => a.flatten(1),
  flatten_0_1: (a) => a.flatten(0, 1),
  unflatten: (a) => s.unflatten(a, 2, [2, 2]),
  repeat: (a) => a.repeat([2, 1, 3]),
  flip: (a) => a.flip([0, 2]),
  roll: (a) => s.roll(a, [1, -2], [1, 2]),
  cat_0: (a, b) => s.cat([a, b], 0),
  cat_2: (a, b) => s.cat([a, b], 2),
  stack_1: (a, b) => s.stack([a, b], 1),
  split_size: (a) => a.split(3, 2),
  split_sizes: (a) => a.split([1, 2], 1),
  chunk: (a) => a.chunk(3, 2),
  unbind: (a) => s.unbind(a, 1),
  contiguous: (a) => a.transpose(0, 1).contiguous(),
};

checkTable(fx, table, (name, body) => void test(name, body));

void test('view shares memory; contiguous() of a contiguous tensor is the same storage', () =>
  tidy(() => {
    const a = zeros([2, 3]);
    a.view([6]).fill_(2);
    assert.deepEqual(a.toArray(), [
      [2, 2, 2],
      [2, 2, 2],
    ]);
    assert.equal(a.isContiguous(), true);
    assert.equal(a.t().isContiguous(), false);
  }));

void test('contiguous("channelsLast") gives NHWC strides', () =>
  tidy(() => {
    const x = zeros([2, 3, 4, 5]).contiguous('channelsLast');
    assert.deepEqual(x.strides(), [60, 1, 15, 3]);
    assert.deepEqual(x.shape, [2, 3, 4, 5]);
    assert.equal(x.isContiguous('channelsLast'), true);
    assert.equal(x.isContiguous(), false);
    assert.deepEqual(x.contiguous().strides(), [60, 20, 5, 1]);
  }));

void test("a view with a wrong size keeps libtorch's message", () =>
  tidy(() => {
    assert.throws(() => zeros([6]).view([4, -1]), { message: /shape '\[4, -1\]' is invalid for input of size 6/ });
  }));
