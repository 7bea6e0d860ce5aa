/**
 * Writes an ONNX model atomically (temporary file beside the target, fsync,
 * rename). Weights go inline as raw little-endian bytes, or — when they pass
 * `externalDataThresholdBytes` (protobuf cannot encode a message over 2 GB) —
 * into `<file>.data` beside the model, referenced by ONNX external data
 * (location, offset, length), which is written first.
 *
 * @example
 * writeOnnxFile('export/model.onnx', built); // { path, dataPath: null }
 */
import { rmSync } from 'node:fs';
import { basename } from 'node:path';
import { writeFileAtomic } from '../../torch/serialization/atomic-write.js';
import type { BuiltOnnxModel } from './build-onnx-model.js';
import { encodeOnnxModel, OnnxDataLocation, OnnxDataType } from './onnx-proto.js';
import type { OnnxTensor } from './onnx-proto.js';

/** Below protobuf's 2 GB message limit, with room for the graph and metadata. */
export const DEFAULT_EXTERNAL_DATA_THRESHOLD_BYTES = 2 ** 31 - 64 * 2 ** 20;

/** Where external data starts each tensor (page alignment lets runtimes map it). */
const ALIGNMENT = 4096;

/** Where the model went. */
export interface OnnxFiles {
  path: string;
  /** The external data file, or null when the weights are inline. */
  dataPath: string | null;
}

const bytesOf = (data: Float32Array | BigInt64Array): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/**
 * Encodes and writes `built` to `path`.
 *
 * @example
 * writeOnnxFile('m.onnx', built, { externalDataThresholdBytes: 0 }); // weights in m.onnx.data
 */
export function writeOnnxFile(path: string, built: BuiltOnnxModel, options: { externalDataThresholdBytes?: number } = {}): OnnxFiles {
  const threshold = options.externalDataThresholdBytes ?? DEFAULT_EXTERNAL_DATA_THRESHOLD_BYTES;
  const total = built.initializers.reduce((sum, init) => sum + init.data.byteLength, 0);
  const external = total > threshold;
  const dataPath = external ? `${path}.data` : null;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const initializer: OnnxTensor[] = built.initializers.map((init) => {
    const int64 = init.data instanceof BigInt64Array;
    const tensor: OnnxTensor = { name: init.name, dims: init.dims, dataType: int64 ? OnnxDataType.INT64 : OnnxDataType.FLOAT };
    // Constants stay inline: they are small, and readers fold them when building the graph.
    if (!external || int64) return { ...tensor, rawData: bytesOf(init.data) };
    const padding = (ALIGNMENT - (offset % ALIGNMENT)) % ALIGNMENT;
    if (padding > 0) chunks.push(new Uint8Array(padding));
    offset += padding;
    chunks.push(bytesOf(init.data));
    const entry = [
      { key: 'location', value: basename(dataPath!) },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(init.data.byteLength) },
    ];
    offset += init.data.byteLength;
    return { ...tensor, dataLocation: OnnxDataLocation.EXTERNAL, externalData: entry };
  });
  if (dataPath !== null) writeFileAtomic(dataPath, chunks, { what: 'exportOnnx' });
  const bytes = encodeOnnxModel({ ...built.model, graph: { ...built.model.graph, initializer } });
  writeFileAtomic(path, bytes, { what: 'exportOnnx' });
  // A previous export's external data would otherwise sit beside an inline model.
  if (dataPath === null) rmSync(`${path}.data`, { force: true });
  return { path, dataPath };
}
