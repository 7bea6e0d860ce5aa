/**
 * `OnnxGraphBuilder`: collects the nodes and fp32 initializers the module
 * emitters produce, in execution order, with unique value names. It also
 * remembers which values come straight out of a Conv node nobody has read
 * yet, so a following BatchNorm can be folded into that Conv's weights.
 *
 * @example
 * const g = new OnnxGraphBuilder();
 * const w = g.addInitializer('conv.weight', weightData, [8, 3, 3, 3]);
 * const y = g.addNode('Conv', ['images', w], 'conv', [ints('pads', [1, 1, 1, 1])]);
 */
import { SerializationError } from '../../errors.js';
import { OnnxAttributeType } from './onnx-proto.js';
import type { OnnxAttribute, OnnxNode } from './onnx-proto.js';

/** An initializer before encoding: fp32 weights, or int64 constants (shapes, indices, axes). */
export interface Initializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array;
}

/** What a Conv node left for a BatchNorm to fold into. */
interface ConvOutput {
  node: OnnxNode;
  outChannels: number;
}

/** An INTS attribute. @example ints('strides', [2, 2]) */
export const ints = (name: string, values: readonly number[]): OnnxAttribute => ({ name, type: OnnxAttributeType.INTS, ints: [...values] });
/** An INT attribute. @example int('group', 32) */
export const int = (name: string, value: number): OnnxAttribute => ({ name, type: OnnxAttributeType.INT, i: value });
/** A FLOAT attribute. @example float('epsilon', 1e-5) */
export const float = (name: string, value: number): OnnxAttribute => ({ name, type: OnnxAttributeType.FLOAT, f: value });

export class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers = new Map<string, Initializer>();
  readonly #names = new Set<string>();
  readonly #readers = new Map<string, number>();
  readonly #convOutputs = new Map<string, ConvOutput>();
  readonly #retired = new Set<string>();

  /** Declares a graph input (its name is taken as is). */
  addInput(name: string): string {
    this.#names.add(name);
    return name;
  }

  /** `base`, or `base_1`, `base_2`, ... when taken. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.#names.has(name) || this.initializers.has(name); i++) name = `${base}_${i}`;
    this.#names.add(name);
    return name;
  }

  /** Adds an fp32 initializer under `name` (a module's state name; made unique when taken) and returns its name. */
  addInitializer(name: string, data: Float32Array, dims: readonly number[]): string {
    const unique = this.uniqueName(name);
    this.initializers.set(unique, { name: unique, dims: [...dims], data });
    return unique;
  }

  /**
   * Adds an int64 constant (a Reshape's shape, Slice's starts and ends, an axes list) and returns
   * its name; the same values under the same name are shared.
   *
   * @example
   * g.addNode('Reshape', [x, g.addInt64Initializer('shape.tokens', [0, -1, 768], [3])], 'tokens');
   */
  addInt64Initializer(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const existing = this.initializers.get(name);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    if (existing?.data instanceof BigInt64Array && existing.data.length === data.length && existing.data.every((v, i) => v === data[i])) {
      return name;
    }
    const unique = this.uniqueName(name);
    this.initializers.set(unique, { name: unique, dims: [...dims], data });
    return unique;
  }

  /** Appends a node reading `inputs` and returns its (unique) output value name. */
  addNode(opType: string, inputs: readonly string[], outputBase: string, attributes: OnnxAttribute[] = []): string {
    for (const input of inputs) {
      if (this.#retired.has(input)) {
        throw new SerializationError(
          `exportOnnx: expected no reader of '${input}' after its BatchNorm was folded into the Conv before it, but got a ${opType} node (pass foldBatchNorm: false)`,
        );
      }
      if (input !== '') this.#readers.set(input, (this.#readers.get(input) ?? 0) + 1);
    }
    const output = this.uniqueName(outputBase);
    this.nodes.push({ name: output, opType, input: [...inputs], output: [output], attribute: attributes });
    return output;
  }

  /** Marks `output` as the result of a Conv node with `outChannels` filters (weight input 1, optional bias input 2). */
  markConvOutput(output: string, outChannels: number): void {
    const node = this.nodes[this.nodes.length - 1];
    this.#convOutputs.set(output, { node, outChannels });
  }

  /**
   * Folds a per-channel affine map y = x * scale + shift (float64) into the Conv that produced
   * `value`, if `value` comes straight from one and nothing has read it yet. The new weights are
   * rounded to fp32 once. Returns the new output value name, or null when it cannot fold.
   */
  foldAffineIntoConv(value: string, scale: Float64Array, shift: Float64Array, outputBase: string): string | null {
    const conv = this.#convOutputs.get(value);
    if (conv === undefined || (this.#readers.get(value) ?? 0) > 0 || conv.outChannels !== scale.length) return null;
    const [weightName, biasName] = conv.node.input.slice(1);
    const weight = this.initializers.get(weightName)!;
    const bias = biasName === undefined || biasName === '' ? null : this.initializers.get(biasName)!;
    const biasData = bias === null ? null : bias.data;
    if (!(weight.data instanceof Float32Array) || (biasData !== null && !(biasData instanceof Float32Array))) return null;
    const perChannel = weight.data.length / conv.outChannels;
    const folded = new Float32Array(weight.data.length);
    for (let o = 0; o < conv.outChannels; o++) {
      for (let k = o * perChannel; k < (o + 1) * perChannel; k++) folded[k] = weight.data[k] * scale[o];
    }
    const foldedBias = new Float32Array(conv.outChannels);
    for (let o = 0; o < conv.outChannels; o++) foldedBias[o] = (biasData === null ? 0 : biasData[o]) * scale[o] + shift[o];
    const newWeight = this.#replaceInitializer(weightName, folded);
    const biasBase = weightName.endsWith('.weight') ? `${weightName.slice(0, -'.weight'.length)}.bias` : `${weightName}_bias`;
    let newBias: string;
    if (bias === null) {
      newBias = this.addInitializer(biasBase, foldedBias, [conv.outChannels]);
      this.#readers.set(newBias, 1);
    } else newBias = this.#replaceInitializer(biasName, foldedBias);
    conv.node.input = [conv.node.input[0], newWeight, newBias];
    const output = this.uniqueName(outputBase);
    conv.node.output = [output];
    this.#convOutputs.delete(value);
    this.#retired.add(value);
    return output;
  }

  /**
   * New values for initializer `name` as read by one node: in place when only that node reads
   * it, else (a module used twice) as a new initializer, whose name is returned.
   */
  #replaceInitializer(name: string, data: Float32Array): string {
    const readers = this.#readers.get(name) ?? 0;
    const old = this.initializers.get(name)!;
    if (readers <= 1) {
      old.data = data;
      return name;
    }
    this.#readers.set(name, readers - 1);
    const added = this.addInitializer(name, data, old.dims);
    this.#readers.set(added, 1);
    return added;
  }

  /** Renames the value `from` (a node output nobody reads) to `to`, e.g. the graph output 'logits'. */
  renameOutput(from: string, to: string): void {
    const node = this.nodes.find((n) => n.output.includes(from));
    if (node === undefined || (this.#readers.get(from) ?? 0) > 0) {
      this.addNode('Identity', [from], to);
      return;
    }
    node.output = node.output.map((o) => (o === from ? to : o));
    this.#names.add(to);
  }

  /** Bytes of all initializers. */
  get initializerBytes(): number {
    let total = 0;
    for (const init of this.initializers.values()) total += init.data.byteLength;
    return total;
  }
}
