// Indexing, slicing, gather/scatter, masks, top-k and sort against PyTorch
// (fixtures: scripts/fixtures/ops.py, indexing_cases).
import { test } from 'node:test';
import * as ix from './indexing.js';
import { checkTable, loadFixture } from './parity.test-helper.js';
import type { CaseEntry } from './parity.test-helper.js';

const fx = loadFixture('indexing');

const table: Record<string, CaseEntry> = {
  select: (a) => a.select(1, 2),
  select_neg: (a) => a.select(0, -1),
  narrow: (a) => a.narrow(1, 1, 3),
  slice_step: (a) => a.slice(1, 1, undefined, 2),
  slice_start_end: (a) => a.slice(0, 1, 3),
  index_select: (a, i) => a.indexSelect(1, i),
  gather: (a, i) => a.gather(1, i),
  scatter_src: (a, i, src) => a.scatter(1, i, src),
  scatter_value: (a, i) => a.scatter(1, i, 2.5),
  scatter_add: (a, i, src) => ix.scatterAdd(a, 1, i, src),
  scatter_: (a, i, src) => ix.scatter_(a.clone(), 1, i, src),
  masked_fill: (a, mask) => a.maskedFill(mask, -1.0),
  masked_select: (a, mask) => a.maskedSelect(mask),
  index_bool: (a, mask) => a.index([mask]),
  index_rows: (a, i) => a.index([i]),
  index_cols: (a, i) => a.index([null, i]),
  index_pairs: (a, i, j) => a.index([i, j]),
  index_put_: (a, mask, v) => ix.indexPut_(a.clone(), [mask], v),
  nonzero: (mask) => ix.nonzero(mask),
  topk: (a) => a.topk(2),
  topk_smallest_dim0: (a) => a.topk(3, { dim: 0, largest: false }),
  sort: (a) => a.sort(),
  sort_desc_dim0: (a) => a.sort({ dim: 0, descending: true }),
  argsort: (a) => a.argsort({ dim: 1, descending: true }),
  one_hot: (i) => ix.oneHot(i, 6),
  one_hot_infer: (i) => ix.oneHot(i),
};

checkTable(fx, table, (name, body) => void test(name, body));
