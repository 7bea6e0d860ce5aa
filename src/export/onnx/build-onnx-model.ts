/**
 * `buildOnnxModel`: the whole ONNX model of a module — input `images`
 * [N, C, H, W] (N dynamic), output `logits` [N, classes], the nodes from the
 * emitter table, the weights as fp32 initializers, opset 17, IR version 8
 * (what Debian's onnx 1.12 checker accepts) — before it is encoded.
 *
 * @example
 * const { model, initializers } = buildOnnxModel(module, { inputShape: [3, 32, 32], numClasses: 10, name: 'resnet18' });
 */
import type { Module } from '../../torch/nn/index.js';
import { EmitContext } from './emit-context.js';
import { onnxEmitters } from './emitters/index.js';
import { OnnxGraphBuilder } from './graph-builder.js';
import type { Initializer } from './graph-builder.js';
import { OnnxDataType } from './onnx-proto.js';
import type { OnnxModel, OnnxStringEntry, OnnxValueInfo } from './onnx-proto.js';

/** The ONNX IR version written (onnx 1.10+). */
export const IR_VERSION = 8;
/** The default-domain opset written. */
export const OPSET = 17;
/** The graph's input and output names. */
export const INPUT_NAME = 'images';
export const OUTPUT_NAME = 'logits';
/** The name of the dynamic batch axis. */
export const BATCH_AXIS = 'N';

/** What `buildOnnxModel` needs. */
export interface BuildOnnxModelOptions {
  /** The input [C, H, W] (the batch axis is dynamic). */
  inputShape: readonly [number, number, number];
  /** The size of the output's second axis. */
  numClasses: number;
  /** The graph's name. */
  name: string;
  foldBatchNorm?: boolean;
  producerVersion?: string;
  metadataProps?: OnnxStringEntry[];
}

/** The model with empty `initializer`, and the initializers to encode with it (inline or external). */
export interface BuiltOnnxModel {
  model: OnnxModel;
  initializers: Initializer[];
}

const tensorInfo = (name: string, dims: (number | string)[]): OnnxValueInfo => ({
  name,
  type: {
    tensorType: {
      elemType: OnnxDataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  },
});

/**
 * Emits `module` (evaluation semantics) into an ONNX model; fails on a module the table does not know.
 *
 * @example
 * buildOnnxModel(resnet18({ numClasses: 10 }), { inputShape: [3, 224, 224], numClasses: 10, name: 'resnet18' }).model.graph.node.length;
 */
export function buildOnnxModel(module: Module, options: BuildOnnxModelOptions): BuiltOnnxModel {
  const graph = new OnnxGraphBuilder();
  const ctx = new EmitContext(graph, onnxEmitters, { foldBatchNorm: options.foldBatchNorm ?? false, inputShape: options.inputShape });
  const output = ctx.emitAt(module, '', graph.addInput(INPUT_NAME));
  graph.renameOutput(output, OUTPUT_NAME);
  const model: OnnxModel = {
    irVersion: IR_VERSION,
    producerName: 'classifier-training',
    producerVersion: options.producerVersion ?? '',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: options.name,
      node: graph.nodes,
      initializer: [],
      input: [tensorInfo(INPUT_NAME, [BATCH_AXIS, ...options.inputShape])],
      output: [tensorInfo(OUTPUT_NAME, [BATCH_AXIS, options.numClasses])],
    },
    metadataProps: options.metadataProps ?? [],
  };
  return { model, initializers: [...graph.initializers.values()] };
}
