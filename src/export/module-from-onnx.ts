/**
 * `moduleFromOnnx`: the libtorch module an exported .onnx file came from,
 * rebuilt from its own metadata (the model's registry name and options) with
 * the weights read back from its initializers (inline or ONNX external
 * data). Initializer names are the module's state-dict names, so an export
 * of a `ClassificationModule` (`backbone.` prefix) or of a bare backbone both
 * load. An export with BatchNorm folded into the convolutions holds other
 * weights than the module has: it is refused with the way out.
 *
 * @example
 * const module = moduleFromOnnx('outputs/run/export/model.onnx');
 * const predictor = await Predictor.open('outputs/run/export/model.onnx', { backend: 'libtorch', module });
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SerializationError } from '../errors.js';
import '../models/components.js'; // registers the models by name
import { registry } from '../registry.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { parseOnnxMetadata } from './onnx/metadata.js';
import { decodeOnnxModel } from './onnx/onnx-proto.js';
import type { OnnxTensor } from './onnx/onnx-proto.js';

const FLOAT = 1;
const EXTERNAL = 1;
const PREFIX = 'backbone.';

/** The fp32 values of one initializer, from the model or its external data file. */
function initializerValues(init: OnnxTensor, onnxPath: string, external: Map<string, Buffer>): Float32Array {
  if (init.dataType !== FLOAT)
    throw new SerializationError(`moduleFromOnnx: expected fp32 initializers, but got data type ${init.dataType} for ${init.name}`);
  let bytes: Uint8Array;
  if (init.dataLocation === EXTERNAL) {
    const entry = (key: string): string | undefined => init.externalData?.find((e) => e.key === key)?.value;
    const location = join(dirname(onnxPath), entry('location') ?? '');
    if (!external.has(location)) external.set(location, readFileSync(location));
    const offset = Number(entry('offset') ?? 0);
    const length = Number(entry('length') ?? external.get(location)!.byteLength - offset);
    bytes = external.get(location)!.subarray(offset, offset + length);
  } else {
    bytes = init.rawData ?? new Uint8Array(0);
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
  const onnx = decodeOnnxModel(readFileSync(onnxPath));
  const metadata = parseOnnxMetadata(onnx.metadataProps, onnxPath);
  const module = registry.build<Module>('model', metadata.modelName, metadata.modelOptions);
  const external = new Map<string, Buffer>();
  const record: Record<string, Tensor> = {};
  try {
    for (const init of onnx.graph.initializer) {
      const name = init.name.startsWith(PREFIX) ? init.name.slice(PREFIX.length) : init.name;
      record[name] = torch.tensor(initializerValues(init, onnxPath, external), { shape: init.dims.map(Number) });
    }
    const { missingKeys, unexpectedKeys } = module.loadStateDict(record, { strict: false });
    const missing = missingKeys.filter((k) => !k.endsWith('num_batches_tracked'));
    if (missing.length > 0 || unexpectedKeys.length > 0) {
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
