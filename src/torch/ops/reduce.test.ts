// Reductions along all or some dimensions against PyTorch
// (fixtures: scripts/fixtures/ops.py, reduce_cases).
import { test } from 'node:test';
import * as r from './reduce.js';
import { checkTable, loadFixture } from './parity.test-helper.js';
import type { CaseEntry } from './parity.test-helper.js';

const fx = loadFixture('reduce');

const table: Record<string, CaseEntry> = {
  sum_all: (a) => a.sum(),
  sum_dim: (a) => a.sum({ dim: 1 }),
  sum_dim_keep: (a) => a.sum({ dim: -1, keepdim: true }),
  sum_dims: (a) => a.sum({ dim: [0, 2] }),
  mean_all: (a) => a.mean(),
  mean_dim: (a) => a.mean({ dim: 0 }),
  mean_dims_keep: (a) => a.mean({ dim: [1, 2], keepdim: true }),
  max_all: (a) => a.max(),
  max_dim: (a) => a.max(1),
  max_dim_keep: (a) => a.max(2, true),
  min_all: (a) => a.min(),
  min_dim: (a) => a.min(0),
  argmax_all: (a) => a.argmax(),
  argmax_dim: (a) => a.argmax({ dim: 1 }),
  argmax_dim_keep: (a) => a.argmax({ dim: 2, keepdim: true }),
  argmin_all: (a) => a.argmin(),
  argmin_dim: (a) => a.argmin({ dim: -1 }),
  std_all: (a) => a.std(),
  std_dim: (a) => a.std({ dim: 1 }),
  std_dim_pop_keep: (a) => a.std({ dim: 2, correction: 0, keepdim: true }),
  var_all: (a) => a.var(),
  var_dims: (a) => a.var({ dim: [0, 1] }),
  var_dim_pop: (a) => r.variance(a, { dim: 0, correction: 0 }),
  prod_all: (a) => r.prod(a),
  prod_dim: (a) => r.prod(a, { dim: 1, keepdim: true }),
  norm_all: (a) => a.norm(),
  norm_p1_dim: (a) => a.norm(1, { dim: 1 }),
  logsumexp: (a) => r.logsumexp(a, 1),
  logsumexp_keep: (a) => r.logsumexp(a, [0, 2], true),
  cumsum: (a) => r.cumsum(a, 1),
  all: (a) => a.all(),
  all_dim: (a) => a.all({ dim: 1 }),
  any: (a) => a.any(),
  any_dim_keep: (a) => a.any({ dim: 0, keepdim: true }),
};

checkTable(fx, table, (name, body) => void test(name, body));
