/**
 * Builders for small hostile files the reliability tests feed to the
 * readers: a stored (uncompressed) zip laid out like `torch.save`'s, pickle
 * opcodes for tensors and shared references, and safetensors bytes from a
 * raw JSON header.
 *
 * @example
 * const bytes = pthArchive(pickle(tensorOpcodes(), [0x2e]), { '0': new Uint8Array(4) });
 */
import { crc32 } from 'node:zlib';

/** A zip of stored entries, in order (the layout `torch.save` writes, without zip64). */
export function storedZip(entries: Record<string, Uint8Array>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(entries)) {
    const nameBytes = Buffer.from(name);
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.byteLength, 18);
    local.writeUInt32LE(data.byteLength, 22);
    local.writeUInt16LE(nameBytes.byteLength, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.byteLength, 20);
    central.writeUInt32LE(data.byteLength, 24);
    central.writeUInt16LE(nameBytes.byteLength, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, Buffer.from(data));
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.byteLength + data.byteLength;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.byteLength, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A `torch.save` archive named `archive`: the pickle, then each storage as `archive/data/<key>`. */
export function pthArchive(pickleBytes: Uint8Array, storages: Record<string, Uint8Array>): Buffer {
  const entries: Record<string, Uint8Array> = { 'archive/data.pkl': pickleBytes };
  for (const [key, bytes] of Object.entries(storages)) entries[`archive/data/${key}`] = bytes;
  entries['archive/version'] = Buffer.from('3\n');
  return storedZip(entries);
}

/** SHORT_BINUNICODE of `text`. */
export function str(text: string): number[] {
  const bytes = [...Buffer.from(text)];
  return [0x8c, bytes.length, ...bytes];
}

/** GLOBAL `module.name`. */
export function global(module: string, name: string): number[] {
  return [0x63, ...Buffer.from(`${module}\n${name}\n`)];
}

/** A BININT (4 bytes, little-endian). */
export function int(n: number): number[] {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return [0x4a, ...b];
}

/** A tuple of ints (MARK ... TUPLE). */
export function intTuple(values: readonly number[]): number[] {
  return [0x28, ...values.flatMap(int), 0x74];
}

/**
 * Opcodes that push one float32 tensor: `_rebuild_tensor_v2(storage '0' of `numel`, 0, size, stride, False, OrderedDict())`.
 */
export function tensorOpcodes(size: readonly number[], stride: readonly number[], numel = 1, key = '0'): number[] {
  const storage = [0x28, ...str('storage'), ...global('torch', 'FloatStorage'), ...str(key), ...str('cpu'), ...int(numel), 0x74, 0x51];
  const hooks = [...global('collections', 'OrderedDict'), 0x29, 0x52];
  const args = [0x28, ...storage, ...int(0), ...intTuple(size), ...intTuple(stride), 0x89, ...hooks, 0x74];
  return [...global('torch._utils', '_rebuild_tensor_v2'), ...args, 0x52];
}

/** Protocol 2 header, the body, STOP. */
export function pickle(...body: number[][]): Uint8Array {
  return Uint8Array.from([0x80, 2, ...body.flat(), 0x2e]);
}

/** A safetensors file from a header object (serialised as given) and data bytes. */
export function safetensorsBytes(headerJson: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const json = Buffer.from(headerJson);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.byteLength));
  return Buffer.concat([head, json, Buffer.from(data)]);
}
