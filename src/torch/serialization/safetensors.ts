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
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { native } from '../binding.js';
import { dtypeCode } from '../dtype.js';
import type { DType } from '../dtype.js';
import { Tensor } from '../tensor.js';

const toFileDtype: Record<DType, string> = {
  float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32',
  int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
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

function fail(source: string, message: string): never {
  throw new Error(`safetensors: ${source}: ${message}`);
}

interface Entry { name: string; dtype: string; shape: number[]; begin: number; end: number }

function parseHeader(bytes: Uint8Array, source: string): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  if (bytes.byteLength < 8) fail(source, `expected at least 8 bytes but the file has ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(maxHeaderBytes, bytes.byteLength - 8))) {
    fail(source, `header length ${headerLength} exceeds the file (${bytes.byteLength} bytes) or the ${maxHeaderBytes}-byte limit`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (error) {
    fail(source, `header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail(source, 'header must be a JSON object');
  const dataLength = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object') fail(source, '__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(source, `__metadata__.${k} must be a string`);
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
  const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (v === null || typeof v !== 'object') fail(source, `tensor '${name}' must be an object`);
  if (typeof v.dtype !== 'string' || !fromFileDtype.has(v.dtype)) {
    fail(source, `tensor '${name}' has dtype ${JSON.stringify(v.dtype)}; expected one of ${[...fromFileDtype.keys()].join(', ')}`);
  }
  if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(source, `tensor '${name}' has shape ${JSON.stringify(v.shape)}; expected an array of non-negative integers`);
  }
  const offsets = v.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(source, `tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  const shape = v.shape as number[];
  const numel = shape.reduce((a, b) => a * b, 1);
  const expected = numel * itemSize[v.dtype];
  if (!Number.isSafeInteger(expected) || end < begin || end - begin !== expected) {
    fail(source, `tensor '${name}' (${v.dtype} [${shape.join(', ')}]) needs ${expected} bytes but data_offsets span ${end - begin}`);
  }
  if (end > dataLength) fail(source, `tensor '${name}' ends at byte ${end} but the data section has ${dataLength} bytes`);
  return { name, dtype: v.dtype, shape, begin, end };
}

function checkCoverage(entries: Entry[], dataLength: number, source: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  for (const e of sorted) {
    if (e.begin !== position) fail(source, `tensor '${e.name}' starts at byte ${e.begin} but the previous tensor ends at ${position} (overlap or gap)`);
    position = e.end;
  }
  if (position !== dataLength) fail(source, `the data section has ${dataLength} bytes but the tensors cover ${position}`);
}

/** Parses safetensors bytes into tensors (copied out of the buffer). */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContent {
  const { entries, metadata, dataStart } = parseHeader(bytes, source);
  const tensors: Record<string, Tensor> = {};
  for (const e of entries) {
    const dtype = fromFileDtype.get(e.dtype)!;
    const slice = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    tensors[e.name] = new Tensor(native.fromBuffer(slice, e.shape, dtypeCode(dtype)));
  }
  return { tensors, metadata };
}

/** Reads a safetensors file. */
export function loadSafetensors(path: string): SafetensorsContent {
  return parseSafetensors(readFileSync(path), path);
}

/** Serialises named tensors (moved to CPU, made contiguous) to safetensors bytes; names are sorted. */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name];
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
  return Buffer.concat([head, Buffer.from(json), ...blobs]);
}

/** Writes a safetensors file atomically (a temporary file, then a rename). */
export function saveSafetensors(tensors: Record<string, Tensor>, path: string, metadata: Record<string, string> = {}): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, serializeSafetensors(tensors, metadata));
  renameSync(temporary, path);
}
