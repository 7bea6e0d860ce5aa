// flattenStateDict / unflattenStateDict: tensors out by dotted key, the rest as JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerializationError } from '../../errors.js';
import { tensor } from '../ops/creation.js';
import { flattenStateDict, unflattenStateDict } from './flatten-state-dict.js';

void test('round-trips tensors, nested arrays, null and non-finite numbers', () => {
  const t = tensor([1, 2, 3]);
  const sd = {
    state: { 0: { expAvg: t, step: 3, momentumBuffer: null } },
    groups: [{ betas: [0.9, 0.999], params: [0, 1] }],
    best: Infinity,
    worst: -Infinity,
  };
  const flat = flattenStateDict(sd, { prefix: 'opt.' });
  assert.deepEqual(Object.keys(flat.tensors), ['opt.state.0.expAvg']);
  assert.equal(flat.tensors['opt.state.0.expAvg'], t);
  const back = unflattenStateDict<typeof sd>(flat.tensors, flat.json);
  assert.equal(back.state[0].expAvg, t);
  assert.deepEqual({ ...back, state: undefined }, { ...sd, state: undefined });
  assert.equal(back.state[0].momentumBuffer, null);
  assert.equal(back.best, Infinity);
});

void test('reports a missing tensor and a key with a dot', () => {
  assert.throws(() => unflattenStateDict({}, '{"a":{"$tensor":"x.y"}}'), SerializationError);
  assert.throws(() => flattenStateDict({ 'a.b': 1 }), /expected keys without '\.'/);
  assert.throws(() => unflattenStateDict({}, '{oops'), SerializationError);
});
