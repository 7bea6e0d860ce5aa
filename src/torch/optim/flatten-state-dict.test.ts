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

void test('reports a missing tensor and unparsable JSON', () => {
  assert.throws(() => unflattenStateDict({}, '{"a":{"$tensor":"x.y"}}'), SerializationError);
  assert.throws(() => unflattenStateDict({}, '{oops'), SerializationError);
});

void test('keys are free text: dots and percent signs get distinct tensor names, __proto__ stays a key', () => {
  const [a, b, c] = [tensor([1]), tensor([2]), tensor([3])];
  const sd = { 'a.b': { c: a }, a: { 'b.c': b, '%2E': c }, metrics: JSON.parse('{"__proto__": 1, "v1.0": 2}') as object };
  const flat = flattenStateDict(sd);
  assert.deepEqual(Object.keys(flat.tensors).sort(), ['a%2Eb.c', 'a.%252E', 'a.b%2Ec']);
  const back = unflattenStateDict<typeof sd>(flat.tensors, flat.json);
  assert.equal(back['a.b'].c, a);
  assert.equal(back.a['b.c'], b);
  assert.equal(back.a['%2E'], c);
  assert.deepEqual(Object.entries(back.metrics), [
    ['__proto__', 1],
    ['v1.0', 2],
  ]);
  assert.equal(Object.getPrototypeOf(back.metrics), Object.prototype);
});
