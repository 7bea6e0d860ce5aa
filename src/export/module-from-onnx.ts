/**
 * `moduleFromOnnx`: the libtorch module an exported .onnx file came from,
 * rebuilt from its own metadata (the model's registry name and options) with
 * the weights read back from its initializers (inline or ONNX external
 * data). Initializer names are the module's state-dict names, so an export
 * of a `ClassificationModule` (`backbone.` prefix) or of a bare backbone both
 * load. External data is read only from files inside the model's folder
 * (symlinks resolved) and within their size, as onnxruntime reads it. An export with BatchNorm folded into the convolutions holds other
 * weights than the module has: it is refused with the way out.
 *
 * @example
 * const module = moduleFromOnnx('outputs/run/export/model.onnx');
 * const predictor = await Predictor.open('outputs/run/export/model.onnx', { backend: 'libtorch', module });
 */
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fsReason, SerializationError } from '../errors.js';
import '../models/components.js'; // registers the models by name
import { registry } from '../registry.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import type { OnnxTensor } from './onnx/onnx-proto.js';
import { readOnnxModel } from './onnx/read-onnx-model.js';

const FLOAT = 1;
const EXTERNAL = 1;
const PREFIX = 'backbone.';

/** The external data files read so far, by resolved path, and the model's own folder (symlinks resolved). */
interface ExternalFiles {
  onnxPath: string;
  folder: string;
  files: Map<string, Buffer>;
}

/** The bytes an external-data entry names, refused (as onnxruntime does) outside the model's folder or its file. */
function externalBytes(init: OnnxTensor, external: ExternalFiles): Uint8Array {
  const entry = (key: string): string | undefined => init.externalData?.find((e) => e.key === key)?.value;
  const location = entry('location') ?? '';
  const refuse = (expected: string, got: string): never => {
    throw new SerializationError(
      `moduleFromOnnx: expected external data of tensor ${init.name} in ${external.onnxPath} ${expected}, but got ${got} (location '${location}')`,
    );
  };
  if (location === '' || isAbsolute(location) || /^[a-zA-Z]:|^[\\/]/.test(location))
    refuse('at a relative location', 'an absolute or empty one');
  let file: string;
  try {
    file = realpathSync(join(external.folder, location));
  } catch (error) {
    return refuse('in a readable file', fsReason(error));
  }
  const inside = relative(external.folder, file);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) refuse("inside the model's folder", file);
  if (!external.files.has(file)) external.files.set(file, readFileSync(file));
  const bytes = external.files.get(file)!;
  const number = (key: string, fallback: number): number => {
    const text = entry(key);
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text)) refuse(`a non-negative integer ${key}`, `'${text}'`);
    return Number(text);
  };
  const offset = number('offset', 0);
  const length = number('length', bytes.byteLength - offset);
  if (offset + length > bytes.byteLength) refuse(`within the file's ${bytes.byteLength} bytes`, `offset ${offset} + length ${length}`);
  return bytes.subarray(offset, offset + length);
}

/** The fp32 values of one initializer, from the model or its external data file, checked against its shape. */
function initializerValues(init: OnnxTensor, external: ExternalFiles): Float32Array {
  if (init.dataType !== FLOAT)
    throw new SerializationError(`moduleFromOnnx: expected fp32 initializers, but got data type ${init.dataType} for ${init.name}`);
  const bytes = init.dataLocation === EXTERNAL ? externalBytes(init, external) : (init.rawData ?? new Uint8Array(0));
  const expected = init.dims.reduce((a, d) => a * Number(d), 1) * 4;
  if (bytes.byteLength !== expected) {
    throw new SerializationError(
      `moduleFromOnnx: expected ${expected} bytes for tensor ${init.name} of shape [${init.dims.join(', ')}] in ${external.onnxPath}, but got ${bytes.byteLength}`,
    );
  }
  // A copy: protobuf's bytes need not be 4-byte aligned.
  const values = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(values.buffer).set(bytes);
  return values;
}

/**
 * Rebuilds the backbone an .onnx export describes and loads its weights (evaluation mode).
 *
 * @example
 * const module = moduleFromOnnx('model.onnx'); // a ResNet, as `metadata.modelName` names it
 */
export function moduleFromOnnx(onnxPath: string): Module {
  const { model: onnx, metadata } = readOnnxModel(onnxPath, 'moduleFromOnnx');
  const external: ExternalFiles = { onnxPath, folder: realpathSync(dirname(onnxPath)), files: new Map() };
  const module = registry.build<Module>('model', { ...metadata.modelOptions, name: metadata.modelName });
  const record: Record<string, Tensor> = {};
  try {
    // Only fp32 initializers can be weights: int64 ones are graph constants (shapes, axes, indices).
    for (const init of onnx.graph.initializer.filter((i) => i.dataType === FLOAT)) {
      const name = init.name.startsWith(PREFIX) ? init.name.slice(PREFIX.length) : init.name;
      record[name] = torch.tensor(initializerValues(init, external), { shape: init.dims.map(Number) });
    }
    const { missingKeys, unexpectedKeys } = module.loadStateDict(record, { strict: false });
    // A missing parameter means other weights (BatchNorm folded into the convolutions). Missing buffers the
    // constructor made (Swin's position index) and extra constants an emitter computed (a GELU's 0.5, an
    // attention's bias table) are not weights; they are named only beside a missing parameter.
    const parameters = new Set(module.namedParameters().map(([k]) => k));
    const missing = missingKeys.filter((k) => parameters.has(k));
    if (missing.length > 0) {
      const got = [...missing.slice(0, 3).map((k) => `missing ${k}`), ...unexpectedKeys.slice(0, 3).map((k) => `unexpected ${k}`)];
      throw new SerializationError(
        `moduleFromOnnx: expected initializers named as ${metadata.modelName}'s weights (an export without --fold-bn), but got ${got.join(', ')} in ${onnxPath}; run the checkpoint instead, or use the onnxruntime backend`,
      );
    }
  } catch (error) {
    module.dispose();
    throw error;
  } finally {
    torch.dispose(Object.values(record));
  }
  module.eval();
  return module;
}
