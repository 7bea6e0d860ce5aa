import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SerializationError } from '../../errors.js';
import { readZip } from './zip-reader.js';

const good = readFileSync(new URL('../../../test/fixtures/serialization/sequential.pth', import.meta.url).pathname);
const eocd = good.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
const firstCentral = good.readUInt32LE(eocd + 16);
// torch.save (miniz) always writes a zip64 record and locator before the classic end record.
const body = good.subarray(0, firstCentral + good.readUInt32LE(eocd + 12));

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => readZip(bytes, 'x.pth'),
    (e: unknown) => e instanceof SerializationError && /^zip: x\.pth: expected .*, but got /.test(e.message) && pattern.test(e.message),
  );
}

void test('reads the entries torch.save wrote, stored and CRC-checked', () => {
  const zip = readZip(good, 'sequential.pth');
  assert.deepEqual([...zip.entries.keys()].slice(0, 3), ['sequential/data.pkl', 'sequential/data/0', 'sequential/data/1']);
  assert.equal(new TextDecoder().decode(zip.read('sequential/version')).trim(), '3');
  assert.equal(zip.read('sequential/data/0').byteLength, 4 * 3 * 3 * 3 * 4);
});

void test('a zip64 end-of-central-directory record is followed', () => {
  assert.equal(good.readUInt32LE(body.byteLength), 0x06064b50);
  const directory = good.subarray(firstCentral, body.byteLength);
  const count = good.readUInt16LE(eocd + 10);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(directory.byteLength), 40);
  record.writeBigUInt64LE(BigInt(firstCentral), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(body.byteLength), 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  const zip64 = Buffer.concat([body, record, locator, end]);
  assert.equal(readZip(zip64, 'zip64.pth').entries.size, count);
  rejects(Buffer.concat([body, end]), /a zip64 end-of-central-directory locator, but got none/);
});

void test('damaged archives: unsupported method, encryption, multi-disk, bad offsets', () => {
  const method = Buffer.from(good);
  method.writeUInt16LE(12, firstCentral + 10); // bzip2
  assert.throws(
    () => readZip(method, 'x.pth').read('sequential/data.pkl'),
    /compression method 0 \(stored\) or 8 \(deflate\) for 'sequential\/data\.pkl', but got method 12/,
  );
  const encrypted = Buffer.from(good);
  encrypted.writeUInt16LE(1, firstCentral + 8);
  rejects(encrypted, /an unencrypted entry 'sequential\/data\.pkl', but got an encrypted one/);
  const disks = Buffer.from(good);
  disks.writeUInt16LE(1, eocd + 4);
  rejects(disks, /a single-disk archive, but got a multi-disk archive/);
  const offset = Buffer.from(good);
  offset.writeUInt32LE(good.byteLength - 10, firstCentral + 42);
  assert.throws(
    () => readZip(offset, 'x.pth').read('sequential/data.pkl'),
    /the local header of 'sequential\/data\.pkl' at bytes .* but got it runs past the end/,
  );
  const size = Buffer.from(good);
  size.writeUInt32LE(0x7fffffff, firstCentral + 20);
  assert.throws(() => readZip(size, 'x.pth').read('sequential/data.pkl'), /the data of 'sequential\/data\.pkl' \(2147483647 bytes\)/);
  const directory = Buffer.from(good);
  directory.writeUInt32LE(good.byteLength, eocd + 16);
  rejects(directory, /the central directory at bytes/);
  assert.throws(() => readZip(good, 'x.pth').read('nope'), /an entry named 'nope', but got none among 11 entries/);
});
