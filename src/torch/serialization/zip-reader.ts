/**
 * A small, strict reader for the zip archives `torch.save` writes: it reads
 * the central directory (zip64 included), checks every offset and size
 * against the file before touching it, and returns entries as zero-copy
 * views (stored entries) or inflated copies (deflate, via node:zlib). CRC-32
 * is verified. Anything else (encryption, other compression methods,
 * multi-disk archives) is refused with a SerializationError naming the file.
 *
 * @example
 * const zip = readZip(readFileSync('model.pth'), 'model.pth');
 * const pickle = zip.read('model/data.pkl');
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { SerializationError } from '../../errors.js';

/** One file in the archive, as the central directory describes it. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localHeaderOffset: number;
}

/** An opened archive: its entries by name and a way to read one. */
export interface ZipArchive {
  entries: Map<string, ZipEntry>;
  /** The entry's bytes (a view into the archive for stored entries); throws if it is missing or damaged. */
  read(name: string): Uint8Array;
}

const eocdSignature = 0x06054b50;
const zip64LocatorSignature = 0x07064b50;
const zip64EocdSignature = 0x06064b50;
const centralSignature = 0x02014b50;
const localSignature = 0x04034b50;

class Cursor {
  constructor(
    readonly view: DataView,
    readonly source: string,
  ) {}
  need(offset: number, length: number, what: string): void {
    if (offset < 0 || length < 0 || offset + length > this.view.byteLength) {
      fail(
        this.source,
        `${what} at bytes ${offset}..${offset + length} inside the ${this.view.byteLength}-byte file`,
        'it runs past the end',
      );
    }
  }
  u16(offset: number): number {
    return this.view.getUint16(offset, true);
  }
  u32(offset: number): number {
    return this.view.getUint32(offset, true);
  }
  u64(offset: number, what: string): number {
    const value = this.view.getBigUint64(offset, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(this.source, `a ${what} below 2^53`, String(value));
    return Number(value);
  }
}

function fail(source: string, expected: string, got: string): never {
  throw new SerializationError(`zip: ${source}: expected ${expected}, but got ${got}`);
}

function findEndOfCentralDirectory(c: Cursor): number {
  const length = c.view.byteLength;
  // The record is 22 bytes plus a comment of at most 65535 bytes.
  for (let at = length - 22; at >= Math.max(0, length - 22 - 0xffff); at--) {
    if (c.u32(at) === eocdSignature && at + 22 + c.u16(at + 20) === length) return at;
  }
  return fail(
    c.source,
    'a zip archive (an end-of-central-directory record)',
    length < 22 ? `a ${length}-byte file` : 'none; the file is not a zip archive or is truncated',
  );
}

interface Directory {
  count: number;
  offset: number;
  size: number;
}

function readDirectoryLocation(c: Cursor, eocd: number): Directory {
  if (c.u16(eocd + 4) !== 0 || c.u16(eocd + 6) !== 0) fail(c.source, 'a single-disk archive', 'a multi-disk archive');
  let count = c.u16(eocd + 10);
  let size = c.u32(eocd + 12);
  let offset = c.u32(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || c.u32(locator) !== zip64LocatorSignature) fail(c.source, 'a zip64 end-of-central-directory locator', 'none');
    const record = c.u64(locator + 8, 'zip64 record offset');
    c.need(record, 56, 'the zip64 end-of-central-directory record');
    if (c.u32(record) !== zip64EocdSignature)
      fail(c.source, 'a zip64 end-of-central-directory record', `signature 0x${c.u32(record).toString(16)}`);
    count = c.u64(record + 32, 'entry count');
    size = c.u64(record + 40, 'central directory size');
    offset = c.u64(record + 48, 'central directory offset');
  }
  c.need(offset, size, 'the central directory');
  return { count, offset, size };
}

function applyZip64Extra(c: Cursor, entry: ZipEntry, extraStart: number, extraEnd: number): void {
  for (let at = extraStart; at + 4 <= extraEnd;) {
    const id = c.u16(at);
    const length = c.u16(at + 2);
    if (at + 4 + length > extraEnd) fail(c.source, `an extra field inside entry '${entry.name}'`, 'one running past it');
    if (id === 0x0001) {
      let field = at + 4;
      const take = (): number => {
        if (field + 8 > at + 4 + length) fail(c.source, `a complete zip64 extra field for '${entry.name}'`, 'a short one');
        const value = c.u64(field, 'zip64 size or offset');
        field += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = take();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = take();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = take();
    }
    at += 4 + length;
  }
}

function readDirectory(c: Cursor, directory: Directory): Map<string, ZipEntry> {
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8');
  let at = directory.offset;
  const end = directory.offset + directory.size;
  for (let i = 0; i < directory.count; i++) {
    c.need(at, 46, `central directory entry ${i}`);
    if (at + 46 > end || c.u32(at) !== centralSignature)
      fail(c.source, `central directory entry ${i} of ${directory.count}`, 'a damaged directory');
    const nameLength = c.u16(at + 28);
    const extraLength = c.u16(at + 30);
    const commentLength = c.u16(at + 32);
    c.need(at + 46, nameLength + extraLength + commentLength, `central directory entry ${i}`);
    const name = decoder.decode(new Uint8Array(c.view.buffer, c.view.byteOffset + at + 46, nameLength));
    if ((c.u16(at + 8) & 1) !== 0) fail(c.source, `an unencrypted entry '${name}'`, 'an encrypted one');
    const entry: ZipEntry = {
      name,
      method: c.u16(at + 10),
      crc: c.u32(at + 16),
      compressedSize: c.u32(at + 20),
      size: c.u32(at + 24),
      localHeaderOffset: c.u32(at + 42),
    };
    applyZip64Extra(c, entry, at + 46 + nameLength, at + 46 + nameLength + extraLength);
    if (!entries.has(name)) entries.set(name, entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function readEntry(c: Cursor, entry: ZipEntry): Uint8Array {
  const header = entry.localHeaderOffset;
  c.need(header, 30, `the local header of '${entry.name}'`);
  if (c.u32(header) !== localSignature)
    fail(c.source, `a local header for '${entry.name}' at byte ${header}`, `signature 0x${c.u32(header).toString(16)}`);
  const start = header + 30 + c.u16(header + 26) + c.u16(header + 28);
  c.need(start, entry.compressedSize, `the data of '${entry.name}' (${entry.compressedSize} bytes)`);
  const raw = new Uint8Array(c.view.buffer, c.view.byteOffset + start, entry.compressedSize);
  let bytes: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) fail(c.source, `${entry.size} bytes stored for '${entry.name}'`, `${entry.compressedSize}`);
    bytes = raw;
  } else if (entry.method === 8) {
    // Deflate cannot expand more than ~1032:1; a larger claim is a lie, and would be a large allocation.
    if (entry.size > entry.compressedSize * 1032 + 1024)
      fail(c.source, `at most 1032 bytes out per deflated byte in '${entry.name}'`, `${entry.size} from ${entry.compressedSize}`);
    try {
      bytes = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (error) {
      throw new SerializationError(`zip: ${c.source}: expected deflate data for '${entry.name}', but got ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (bytes.byteLength !== entry.size) fail(c.source, `${entry.size} bytes after inflating '${entry.name}'`, `${bytes.byteLength}`);
  } else {
    return fail(c.source, `compression method 0 (stored) or 8 (deflate) for '${entry.name}'`, `method ${entry.method}`);
  }
  if (crc32(bytes) >>> 0 !== entry.crc)
    fail(
      c.source,
      `CRC-32 0x${entry.crc.toString(16)} for '${entry.name}'`,
      `0x${(crc32(bytes) >>> 0).toString(16)} (the file is damaged)`,
    );
  return bytes;
}

/**
 * Opens a zip archive held in memory. `source` names it in error messages.
 *
 * @example
 * const zip = readZip(bytes, 'model.pth');
 * [...zip.entries.keys()]; // ['model/data.pkl', 'model/data/0', 'model/version']
 */
export function readZip(bytes: Uint8Array, source = '<buffer>'): ZipArchive {
  const c = new Cursor(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), source);
  const entries = readDirectory(c, readDirectoryLocation(c, findEndOfCentralDirectory(c)));
  return {
    entries,
    read(name: string): Uint8Array {
      const entry = entries.get(name);
      if (entry === undefined) fail(source, `an entry named '${name}'`, `none among ${entries.size} entries`);
      return readEntry(c, entry);
    },
  };
}
