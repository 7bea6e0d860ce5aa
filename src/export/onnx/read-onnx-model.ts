/**
 * `readOnnxModel`: every read of an exported .onnx file goes through here, so
 * an unreadable, truncated or foreign file is refused with the file's name
 * and what was expected instead of a raw file-system or protobuf error; and
 * its metadata is checked against the graph it describes (the class names
 * against the output size, the input size against the input's shape), so
 * predictions can never be labelled with names the model does not have.
 *
 * @example
 * const { model, metadata } = readOnnxModel('outputs/run/export/model.onnx', 'Predictor');
 * metadata.classNames.length; // the model's output size
 */
import { readFileSync } from 'node:fs';
import { fsReason, SerializationError } from '../../errors.js';
import { INPUT_NAME, OUTPUT_NAME } from './build-onnx-model.js';
import { parseOnnxMetadata } from './metadata.js';
import type { OnnxExportMetadata } from './metadata.js';
import { decodeOnnxModel } from './onnx-proto.js';
import type { OnnxModel, OnnxValueInfo } from './onnx-proto.js';

/** The fixed sizes of a graph input or output ('?' for a dynamic axis), or null when it is not there. */
function fixedDims(values: readonly OnnxValueInfo[], name: string): (number | '?')[] | null {
  const value = values.find((v) => v.name === name);
  const dims = value?.type?.tensorType?.shape?.dim;
  if (dims === undefined) return null;
  return dims.map((d) => ('dimValue' in d && typeof d.dimValue === 'number' && d.dimValue > 0 ? d.dimValue : '?'));
}

/** Refuses metadata that does not fit the graph it came with. */
function checkAgainstGraph(model: OnnxModel, metadata: OnnxExportMetadata, source: string, component: string): void {
  const output = fixedDims(model.graph.output, OUTPUT_NAME);
  const input = fixedDims(model.graph.input, INPUT_NAME);
  if (output === null || input === null || output.length !== 2 || input.length !== 4) {
    throw new SerializationError(
      `${component}: expected a graph with input '${INPUT_NAME}' [N, C, H, W] and output '${OUTPUT_NAME}' [N, classes] in ${source}, but got inputs ${JSON.stringify(model.graph.input.map((v) => v.name))} and outputs ${JSON.stringify(model.graph.output.map((v) => v.name))}`,
    );
  }
  const classes = output[1];
  if (classes !== '?' && classes !== metadata.classNames.length) {
    throw new SerializationError(
      `${component}: expected metadata_props 'class_names' of ${source} to hold ${classes} names (the model's output size), but got ${metadata.classNames.length}`,
    );
  }
  if (input.slice(1).some((d, i) => d !== '?' && d !== metadata.inputSize[i])) {
    throw new SerializationError(
      `${component}: expected metadata_props 'input_size' of ${source} to equal the graph's input [${input.slice(1).join(', ')}], but got ${JSON.stringify(metadata.inputSize)}`,
    );
  }
}

/**
 * Reads, decodes and checks the exported model at `path`; `component` names the caller in errors.
 *
 * @example
 * const { model } = readOnnxModel('model.onnx', 'moduleFromOnnx'); model.graph.initializer.length;
 */
export function readOnnxModel(path: string, component: string): { model: OnnxModel; metadata: OnnxExportMetadata } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new SerializationError(`${component}: expected to read the ONNX model ${path}, but got ${fsReason(error)}`, { cause: error });
  }
  let model: OnnxModel;
  try {
    model = decodeOnnxModel(bytes);
  } catch (error) {
    throw new SerializationError(
      `${component}: expected an ONNX model (ModelProto) in ${path}, but got bytes protobuf cannot decode (${(error as Error).message})`,
      { cause: error },
    );
  }
  if (model.graph === undefined || model.graph === null) {
    throw new SerializationError(`${component}: expected an ONNX model with a graph in ${path}, but got none (${bytes.byteLength} bytes)`);
  }
  const metadata = parseOnnxMetadata(model.metadataProps, path);
  checkAgainstGraph(model, metadata, path, component);
  return { model, metadata };
}
