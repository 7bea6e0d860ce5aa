import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../errors.js';
import { parseOverride, typeScalar } from './override-parser.js';

const value = (text: string): unknown => parseOverride(text).value;

void test('key=value types scalars as YAML 1.2 core does', () => {
  assert.equal(value('a=1'), 1);
  assert.equal(value('a=-2.5'), -2.5);
  assert.equal(value('a=1e-3'), 0.001);
  assert.equal(value('a=0x1F'), 31);
  assert.equal(value('a=true'), true);
  assert.equal(value('a=False'), false);
  assert.equal(value('a=null'), null);
  assert.equal(value('a=~'), null);
  assert.equal(value('a=yes'), 'yes', 'YAML 1.1 booleans stay strings in 1.2');
  assert.equal(value('a=resnet50'), 'resnet50');
  assert.equal(value('a=path/to/x.ckpt'), 'path/to/x.ckpt');
  assert.equal(value('a=hello world'), 'hello world');
  assert.equal(value('a='), '');
  assert.equal(value('a=  7  '), 7);
  assert.equal(typeScalar('.inf'), Infinity);
  assert.equal(typeScalar('#x'), '#x');
  assert.equal(typeScalar('a: b'), 'a: b');
});

void test('the kinds of override and their keys', () => {
  assert.deepEqual(parseOverride('trainer.maxEpochs=3'), {
    text: 'trainer.maxEpochs=3',
    type: 'change',
    key: 'trainer.maxEpochs',
    value: 3,
    valueText: '3',
  });
  assert.equal(parseOverride('+trainer.tags=[a]').type, 'add');
  assert.equal(parseOverride('++trainer.tags=[a]').type, 'forceAdd');
  assert.deepEqual(parseOverride('~trainer.seed'), { text: '~trainer.seed', type: 'delete', key: 'trainer.seed' });
  assert.equal(parseOverride('~trainer.seed=3').value, 3);
  assert.equal(parseOverride('model=resnet50').key, 'model');
  assert.equal(parseOverride('model/head=linear').key, 'model/head');
  assert.equal(parseOverride('data.mean[0]=0.5').key, 'data.mean[0]');
  assert.equal(parseOverride('a.b_c.d-e=1').key, 'a.b_c.d-e');
});

void test('quoted strings keep their text, with escapes', () => {
  assert.equal(value("a='1'"), '1');
  assert.equal(value('a="true"'), 'true');
  assert.equal(value("a='it\\'s'"), "it's");
  assert.equal(value('a="say \\"hi\\""'), 'say "hi"');
  assert.equal(value('a="back\\\\slash"'), 'back\\slash');
  assert.equal(value("a='a,b=[c]'"), 'a,b=[c]');
  assert.equal(value('a=x\\,y'), 'x,y', 'a backslash escapes a special character in an unquoted value');
});

void test('lists and dicts, nested', () => {
  assert.deepEqual(value('a=[1,b, null ,true]'), [1, 'b', null, true]);
  assert.deepEqual(value('a=[]'), []);
  assert.deepEqual(value('a={}'), {});
  assert.deepEqual(value('a={a:1,b:[x]}'), { a: 1, b: ['x'] });
  assert.deepEqual(value("a={name: 'x y', nested: {k: [1, [2]]}}"), { name: 'x y', nested: { k: [1, [2]] } });
});

void test('interpolations stay as text for the resolver', () => {
  assert.equal(value('a=${data.size}'), '${data.size}');
  assert.equal(value('a=outputs/${now:YYYY-MM-DD}/${now:HH-mm-ss}'), 'outputs/${now:YYYY-MM-DD}/${now:HH-mm-ss}');
  assert.equal(value('a=${env:HOME,/tmp}'), '${env:HOME,/tmp}');
});

void test('sweeps: comma lists, range and choice', () => {
  assert.deepEqual(parseOverride('a=1,2,3').sweep, [1, 2, 3]);
  assert.equal(parseOverride('a=1,2,3').value, undefined);
  assert.deepEqual(parseOverride('model=resnet18,resnet50').sweep, ['resnet18', 'resnet50']);
  assert.deepEqual(parseOverride('a=range(3)').sweep, [0, 1, 2]);
  assert.deepEqual(parseOverride('a=range(1,10,4)').sweep, [1, 5, 9]);
  assert.deepEqual(parseOverride('a=range(3,0,-1)').sweep, [3, 2, 1]);
  assert.deepEqual(parseOverride('a=choice(x,[1,2])').sweep, ['x', [1, 2]]);
});

void test('malformed overrides name what was expected, the column and what was found', () => {
  const cases: [string, RegExp][] = [
    ['=1', /override '=1': expected a key .* at column 1, but got '='/],
    [
      'trainer.maxEpochs',
      /expected '=' and a value after 'trainer.maxEpochs' \(or `~trainer.maxEpochs` to delete it\) at column 18, but got the end/,
    ],
    ['a=[1,2', /expected ',' or ']' in the list at column 7, but got the end/],
    ['a=[1,,2]', /expected a value at column 6, but got ','/],
    ['a={b}', /expected ':' after dict key 'b' at column 5, but got '}'/],
    ["a='x", /expected a closing ' at column 5, but got the end/],
    ['a=x=y', /expected the end of the value \(quote it if it holds special characters\) at column 4, but got '='/],
    ['a=foo(1)', /the functions are range\(\.\.\.\) and choice\(\.\.\.\)/],
    ['a=[range(3)]', /a sweep only stands alone/],
    ['a=range(x)', /range\(stop\), range\(start, stop\) or range\(start, stop, step\) with numbers/],
    ['a=${x', /'}' closing the interpolation/],
    ['a b=1', /expected '=' after the key 'a'/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseOverride(text),
      (e: Error) => e instanceof ConfigError && message.test(e.message) && e.issues[0].location === `override '${text}'`,
      text,
    );
  }
});
