/**
 * safetensors read and write: an 8-byte little-endian header length, a JSON
 * header naming each tensor's dtype, shape and byte range, then raw bytes.
 * The header is validated fully before any tensor is made, so a malformed
 * or hostile file gets a clear error, never a crash or a huge allocation.
 *
 * @example
 * saveSafetensors({ weight: w }, 'model.safetensors', { epoch: '3' });
 * const { tensors, metadata } = loadSafetensors('model.safetensors');
 */
import { writeFileAtomic } from './atomic-write.js';
import { readWhole } from './read-whole.js';
import { SerializationError } from '../../errors.js';
import { native } from '../binding.js';
import { dtypeCode } from '../dtype.js';
import type { DType } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { numelOverflows } from './shape-check.js';

const toFileDtype: Record<DType, string> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const fromFileDtype = new Map(Object.entries(toFileDtype).map(([k, v]) => [v, k as DType]));
const itemSize: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** The largest header we accept (the format's reference reader uses 100 MB). */
export const maxHeaderBytes = 100_000_000;

/** A record of named tensors with optional string metadata. */
export interface SafetensorsContent {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

function fail(source: string, expected: string, got: string): never {
  throw new SerializationError(`safetensors: ${source}: expected ${expected}, but got ${got}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function parseHeader(bytes: Uint8Array, source: string): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  if (bytes.byteLength < 8) fail(source, 'at least 8 bytes (the header length)', `a ${bytes.byteLength}-byte file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(maxHeaderBytes, bytes.byteLength - 8))) {
    fail(
      source,
      `a header length within the ${bytes.byteLength}-byte file and at most ${maxHeaderBytes}`,
      `${headerLength} (a truncated or foreign file)`,
    );
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    fail(source, 'a UTF-8 JSON header', `${(error as Error).message}`);
  }
  if (!isPlainObject(header)) fail(source, 'a JSON object as the header', Array.isArray(header) ? 'an array' : String(header));
  const duplicate = firstDuplicateKey(new TextDecoder().decode(bytes.subarray(8, dataStart)));
  if (duplicate !== null) fail(source, 'each tensor named once in the header', `duplicate key '${duplicate}'`);
  const dataLength = bytes.byteLength - dataStart;
  const metadata = Object.create(null) as Record<string, string>;
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(value)) fail(source, '__metadata__ as an object of strings', JSON.stringify(value)?.slice(0, 40) ?? String(value));
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') fail(source, `__metadata__.${k} to be a string`, typeof v);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(checkEntry(name, value, dataLength, source));
  }
  checkCoverage(entries, dataLength, source);
  return { entries, metadata, dataStart };
}

function checkEntry(name: string, value: unknown, dataLength: number, source: string): Entry {
  if (!isPlainObject(value))
    fail(source, `tensor '${name}' as an object { dtype, shape, data_offsets }`, JSON.stringify(value)?.slice(0, 40) ?? String(value));
  const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof v.dtype !== 'string' || !fromFileDtype.has(v.dtype)) {
    fail(source, `tensor '${name}' to have a dtype among ${[...fromFileDtype.keys()].join(', ')}`, JSON.stringify(v.dtype) ?? 'none');
  }
  if (!Array.isArray(v.shape) || v.shape.length > 64 || !v.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(source, `tensor '${name}' to have a shape of at most 64 non-negative integers`, JSON.stringify(v.shape) ?? 'none');
  }
  const offsets = v.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(source, `tensor '${name}' to have data_offsets [begin, end] of non-negative integers`, JSON.stringify(offsets) ?? 'none');
  }
  const [begin, end] = offsets as [number, number];
  const shape = v.shape as number[];
  if (numelOverflows(shape, itemSize[v.dtype]))
    fail(source, `tensor '${name}' to have a shape whose byte size fits in int64`, `[${shape.join(', ')}], which overflows`);
  const numel = shape.reduce((a, b) => a * b, 1);
  const expected = numel * itemSize[v.dtype];
  if (!Number.isSafeInteger(expected) || end < begin || end - begin !== expected) {
    fail(source, `tensor '${name}' (${v.dtype} [${shape.join(', ')}]) to span ${expected} bytes`, `data_offsets [${begin}, ${end}]`);
  }
  if (end > dataLength) fail(source, `tensor '${name}' to end inside the ${dataLength}-byte data section`, `an end at byte ${end}`);
  return { name, dtype: v.dtype, shape, begin, end };
}

/**
 * The first key the header's top-level object holds twice, or null. JSON.parse
 * keeps the last silently; the safetensors reference reader refuses duplicates.
 */
function firstDuplicateKey(json: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const colon = /\s*:/y;
      colon.lastIndex = end + 1;
      if (depth === 1 && colon.test(json)) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
      }
      i = end;
    }
  }
  return null;
}

function checkCoverage(entries: Entry[], dataLength: number, source: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  for (const e of sorted) {
    if (e.begin !== position)
      fail(
        source,
        `tensor '${e.name}' to start at byte ${position}, where the previous tensor ends`,
        `${e.begin} (${e.begin < position ? 'an overlap' : 'a gap'})`,
      );
    position = e.end;
  }
  if (position !== dataLength) fail(source, `tensors covering the whole ${dataLength}-byte data section`, `${position} bytes covered`);
}

/** Parses safetensors bytes into tensors (copied out of the buffer). */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContent {
  const { entries, metadata, dataStart } = parseHeader(bytes, source);
  // Null prototype: a tensor named `__proto__` (or `constructor`) is an ordinary entry.
  const tensors = Object.create(null) as Record<string, Tensor>;
  const slices = entries.map((e) => bytes.subarray(dataStart + e.begin, dataStart + e.end));
  // libtorch assumes bools are 0 or 1 (other bytes are undefined behaviour in its kernels): check before making anything.
  entries.forEach((e, i) => {
    if (e.dtype === 'BOOL' && slices[i].some((b) => b > 1))
      fail(source, `tensor '${e.name}' (BOOL) to hold only bytes 0 and 1`, 'other bytes');
  });
  entries.forEach((e, i) => {
    try {
      tensors[e.name] = new Tensor(native.fromBuffer(slices[i], e.shape, dtypeCode(fromFileDtype.get(e.dtype)!)));
    } catch (error) {
      for (const t of Object.values(tensors)) t.dispose();
      throw new SerializationError(`safetensors: ${source}: expected tensor '${e.name}' to load, but got ${(error as Error).message}`, {
        cause: error,
      });
    }
  });
  return { tensors, metadata };
}

/** Reads a safetensors file (up to 4 GiB, the largest Buffer). */
export function loadSafetensors(path: string): SafetensorsContent {
  let bytes: Buffer;
  try {
    bytes = readWhole(path);
  } catch (error) {
    throw new SerializationError(
      `safetensors: expected a readable file at ${path}, but got ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  return parseSafetensors(bytes, path);
}

/** Serialises named tensors (moved to CPU, made contiguous) to safetensors bytes; names are sorted. */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Buffer {
  return Buffer.concat(safetensorsChunks(tensors, metadata));
}

/**
 * The bytes of `serializeSafetensors` in the pieces they are made of (the
 * header, then each tensor's data): a writer takes them as they are, without
 * a copy into one buffer (134 MB for a ResNet18 checkpoint).
 *
 * @example
 * writeFileAtomic('model.safetensors', safetensorsChunks(model.stateDict()));
 */
export function safetensorsChunks(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array[] {
  // Null prototype: an own `__proto__` key is written as a tensor name, not taken as the header's prototype.
  const header = Object.create(null) as Record<string, unknown>;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') fail('<serialize>', `metadata '${k}' to be a string`, typeof v);
  }
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name];
    if (name === '__metadata__' || !(t instanceof Tensor))
      fail('<serialize>', `a Tensor named other than __metadata__`, `'${name}': ${String(t)}`);
    const bytes = new Uint8Array(native.toBuffer(t.handle));
    header[name] = { dtype: toFileDtype[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    blobs.push(bytes);
    offset += bytes.byteLength;
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return [head, Buffer.from(json), ...blobs];
}

/** Writes a safetensors file atomically (a temporary file, fsynced, then a rename; see `writeFileAtomic`). */
export function saveSafetensors(tensors: Record<string, Tensor>, path: string, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, safetensorsChunks(tensors, metadata), { what: 'safetensors' });
}
