import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { formatDate } from './format-date.js';
import { resolveInterpolations } from './interpolate.js';
import type { SourceMap } from './source-map.js';

const now = new Date(2026, 10, 26, 7, 4, 5, 9);
const env = { DATA_ROOT: '/data/pets', EMPTY: '' };
const resolve = (config: Record<string, unknown>, sources?: SourceMap): Record<string, unknown> =>
  resolveInterpolations(config, { env, now, ...(sources ? { sources } : {}) });

void test('absolute references keep the referenced type; strings interpolate inside strings', () => {
  const r = resolve({
    data: { imageSize: 28, mean: [0.5], flip: true, none: null },
    model: {
      inputSize: '${data.imageSize}',
      mean: '${data.mean}',
      flip: '${data.flip}',
      none: '${data.none}',
      label: 'size ${data.imageSize}px',
    },
    first: '${data.mean[0]}',
    whole: '${data}',
  });
  assert.deepEqual(r.model, { inputSize: 28, mean: [0.5], flip: true, none: null, label: 'size 28px' });
  assert.equal(r.first, 0.5);
  assert.deepEqual(r.whole, { imageSize: 28, mean: [0.5], flip: true, none: null });
});

void test('relative references: `.` is the containing mapping, each more dot one level up', () => {
  const r = resolve({
    size: 1,
    data: { imageSize: 32, crop: '${.imageSize}', top: '${..size}', sizes: [8, '${..imageSize}'] },
    a: { b: { c: '${..d}', e: '${...size}' }, d: 'D' },
  });
  assert.deepEqual(r.data, { imageSize: 32, crop: 32, top: 1, sizes: [8, 32] });
  assert.deepEqual(r.a, { b: { c: 'D', e: 1 }, d: 'D' });
});

void test('chains resolve through references to references and to interpolated mappings', () => {
  const r = resolve({ a: '${b}', b: '${c}', c: 3, m: '${n}', n: { x: '${c}' }, y: '${m.x}' });
  assert.deepEqual(r, { a: 3, b: 3, c: 3, m: { x: 3 }, n: { x: 3 }, y: 3 });
});

void test('env with and without defaults, now in both token styles, escapes and nesting', () => {
  const r = resolve({
    root: '${env:DATA_ROOT}',
    alias: '${oc.env:DATA_ROOT}',
    empty: '${env:EMPTY,x}',
    fallback: '${env:NOT_SET_X,/tmp/data}',
    quoted: "${env:NOT_SET_X,'a b'}",
    nothing: '${env:NOT_SET_X,null}',
    nested: '${env:NOT_SET_X,${root}/sub}',
    dir: 'outputs/${now:YYYY-MM-DD}/${now:HH-mm-ss}',
    hydra: '${now:%Y-%m-%d_%H-%M-%S}',
    literal: '\\${root}',
  });
  assert.deepEqual(r, {
    root: '/data/pets',
    alias: '/data/pets',
    empty: '',
    fallback: '/tmp/data',
    quoted: 'a b',
    nothing: null,
    nested: '/data/pets/sub',
    dir: 'outputs/2026-11-26/07-04-05',
    hydra: '2026-11-26_07-04-05',
    literal: '${root}',
  });
  assert.equal(formatDate(now, 'YY/MM/DD HH:mm:ss.SSS'), '26/11/26 07:04:05.009');
});

void test('the input is not modified', () => {
  const config = { a: '${b}', b: 1 };
  resolve(config);
  assert.deepEqual(config, { a: '${b}', b: 1 });
});

void test('cycles are errors naming the chain', () => {
  assert.throws(() => resolve({ a: '${b}', b: '${c}', c: '${a}' }), /interpolation: expected no cycle, but got a -> b -> c -> a/);
  assert.throws(() => resolve({ a: 'x${a}' }), /no cycle, but got a -> a/);
  assert.throws(() => resolve({ a: { b: '${a}' } }), /no cycle, but got a\.b -> a/);
});

void test('missing keys, variables and resolvers name the key and where it was referenced', () => {
  const sources: SourceMap = new Map([['model.inputSize', { file: 'conf/model/resnet18.yaml', line: 4 }]]);
  const fails = (config: Record<string, unknown>, pattern: RegExp): void => {
    assert.throws(
      () => resolve(config, sources),
      (e: Error) => e instanceof ConfigError && pattern.test(e.message) && e.issues[0].path === 'model.inputSize',
    );
  };
  fails(
    { data: { imageSize: 28 }, model: { inputSize: '${data.imageSise}' } },
    /interpolation: expected key `data\.imageSise` \(did you mean `data\.imageSize`\?\) to exist, but got nothing; referenced by `model\.inputSize` at conf\/model\/resnet18\.yaml:4/,
  );
  fails(
    { model: { inputSize: '${env:NOT_SET_X}' } },
    /expected environment variable NOT_SET_X to be set \(or a default: `\$\{env:NOT_SET_X,default\}`\)/,
  );
  fails({ model: { inputSize: '${oops:1}' } }, /expected a resolver among env, oc\.env, now, but got 'oops'/);
  fails({ data: '???', model: { inputSize: '${data}' } }, /expected `data` to have a value, but got \?\?\? \(mandatory, missing\)/);
  fails({ model: { inputSize: '${...x}' } }, /expected at most 2 leading dots/);
  fails({ model: { inputSize: '${x' } }, /expected '\}' to close/);
});
