import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SerializationError } from '../../errors.js';
import { PickleDict, unpickle } from './unpickler.js';
import type { PickleGlobal } from './unpickler.js';
import { pthGlobals } from './pth-pickle.js';
import { readZip } from './zip-reader.js';

const fixtures = new URL('../../../test/fixtures/serialization/', import.meta.url).pathname;
const none = new Map<string, PickleGlobal>();
const bytes = (...parts: (number[] | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));
const run = (b: Uint8Array, globals = none): unknown => unpickle(b, { source: 't.pkl', globals });

void test('numbers: BININT1/2, BININT, LONG1 (to bigint past 2^53), BINFLOAT, INT text', () => {
  // [1, 300, -3, 2**70, -1, 1.5, True]  as  PROTO 2, EMPTY_LIST, MARK, ..., APPENDS, STOP
  const pickle = bytes(
    [0x80, 2, 0x5d, 0x28, 0x4b, 1, 0x4d, 0x2c, 0x01, 0x4a, 0xfd, 0xff, 0xff, 0xff],
    [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40],
    [0x8a, 1, 0xff],
    [0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0],
    'I01\n',
    [0x65, 0x2e],
  );
  assert.deepEqual(run(pickle), [1, 300, -3, 2n ** 70n, -1, 1.5, true]);
});

void test('containers: tuples are frozen, dicts are PickleDicts in order, memo and DUP', () => {
  // d = {'b': (1,), 'a': []}; [d, d]  using BINPUT / BINGET
  const pickle = bytes([0x80, 2, 0x7d, 0x71, 0], [0x28, 0x8c, 1], 'b', [0x4b, 1, 0x85, 0x8c, 1], 'a', [0x5d, 0x75], [0x68, 0, 0x86, 0x2e]);
  const value = run(pickle) as unknown[];
  assert.ok(Object.isFrozen(value));
  const [d1, d2] = value as [PickleDict, PickleDict];
  assert.equal(d1, d2, 'BINGET returns the same object');
  assert.deepEqual([...d1.keys()], ['b', 'a']);
  assert.ok(Object.isFrozen(d1.get('b')));
  assert.deepEqual(run(bytes([0x80, 2, 0x4e, 0x32, 0x86, 0x2e])), [null, null]);
});

void test('GLOBAL and STACK_GLOBAL resolve only through the allowlist; BUILD sets attributes on an OrderedDict', () => {
  const globals = new Map<string, PickleGlobal>([['collections.OrderedDict', { call: () => new PickleDict() }]]);
  // OrderedDict() then BUILD({'_metadata': 1})
  const pickle = bytes([0x80, 2], 'ccollections\nOrderedDict\n', [0x29, 0x52, 0x7d, 0x8c, 9], '_metadata', [0x4b, 1, 0x73, 0x62, 0x2e]);
  const value = run(pickle, globals) as PickleDict;
  assert.equal(value.attributes.get('_metadata'), 1);
  const stacked = bytes([0x80, 4, 0x8c, 11], 'collections', [0x8c, 11], 'OrderedDict', [0x93, 0x29, 0x52, 0x2e]);
  assert.ok(run(stacked, globals) instanceof PickleDict);
  assert.throws(() => run(bytes([0x80, 2], 'cposix\nsystem\n', [0x2e])), /'posix\.system', which is refused and was not run \(at byte 2\)/);
  assert.throws(() => run(bytes([0x80, 2, 0x5d, 0x7d, 0x62, 0x2e])), /BUILD on a dict or OrderedDict, but got a list of 0/);
});

void test('malformed pickles: unknown opcode, truncation, empty stack, bad memo, protocol, leftover values', () => {
  const cases: [Uint8Array, RegExp][] = [
    [bytes([0x80, 2, 0x69]), /a pickle opcode torch\.save writes, but got opcode 0x69 \('i'\)/],
    [bytes([0x80, 2, 0x58, 0xff, 0xff, 0xff, 0x7f]), /2147483647 more bytes, but got the end of the 7-byte pickle/],
    [bytes([0x80, 2]), /1 more bytes/],
    [bytes([0x80, 2, 0x52]), /a value on the stack, but got an empty stack/],
    [bytes([0x80, 2, 0x68, 3]), /a memo entry that was stored, but got index 3/],
    [bytes([0x80, 6, 0x4e, 0x2e]), /pickle protocol 2 to 5, but got protocol 6/],
    [bytes([0x80, 2, 0x4e, 0x4e, 0x2e]), /one value on the stack at STOP, but got 2/],
    [bytes([0x80, 2, 0x4e, 0x61, 0x2e]), /a value on the stack/],
    [bytes([0x80, 2, 0x29, 0x4b, 1, 0x61, 0x2e]), /a list for APPEND\(S\), but got a tuple of 0/],
    [bytes([0x80, 2, 0x4b, 1, 0x29, 0x52, 0x2e]), /an allowed global to call, but got number 1/],
    [bytes([0x80, 2, 0x7d, 0x5d, 0x4b, 1, 0x73, 0x2e]), /a string, number, bool or None as a dict key/],
    [bytes([0x80, 2, 0x8c, 2, 0xff, 0xfe, 0x2e]), /UTF-8 text, but got invalid bytes/],
    [bytes([0x80, 2, 0x4e, 0x51, 0x2e]), /no persistent ids, but got one/],
  ];
  for (const [pickle, pattern] of cases) {
    assert.throws(
      () => run(pickle),
      (e: unknown) => e instanceof SerializationError && pattern.test(e.message),
      String(pattern),
    );
  }
});

void test('fuzz: damaged torch.save pickles only ever raise SerializationError', () => {
  const zip = readZip(readFileSync(`${fixtures}sequential.pth`));
  const good = zip.read('sequential/data.pkl');
  const storage = { key: '0', dtype: 'float32' as const, numel: 1000, bytes: new Uint8Array(4000) };
  const options = { source: 'fuzz.pkl', globals: pthGlobals('fuzz.pkl'), persistentLoad: () => storage };
  assert.ok(unpickle(good, options) instanceof PickleDict);
  let seed = 12345;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  let refused = 0;
  for (let i = 0; i < 400; i++) {
    const damaged = good.slice(0, i % 4 === 0 ? random(good.byteLength) : good.byteLength);
    for (let k = 0; k < 1 + random(3); k++) damaged[random(damaged.byteLength)] = random(256);
    try {
      const value = unpickle(damaged, options);
      assert.ok(value === null || typeof value !== 'undefined');
    } catch (error) {
      assert.ok(error instanceof SerializationError, `iteration ${i}: ${String(error)}`);
      refused++;
    }
  }
  assert.ok(refused > 200, `most damaged pickles are refused (${refused})`);
});
