/**
 * The ONNX messages the writer needs, as a protobufjs schema written here
 * from the field numbers of the ONNX spec (onnx/onnx.proto, IR version 8).
 * Only the fields we write or read back are declared; protobuf skips the
 * others when decoding. Field names are camelCase (names never reach the
 * wire; the numbers do).
 *
 * @example
 * const bytes = ModelProto.encode(ModelProto.fromObject({ irVersion: 8, graph })).finish();
 * const model = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Buffer }) as OnnxModel;
 */
import protobuf from 'protobufjs';

/** TensorProto.DataType values we use. */
export const OnnxDataType = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values we use. */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

/** TensorProto.DataLocation: EXTERNAL means the bytes live in another file. */
export const OnnxDataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

type Field = { type: string; id: number; rule?: 'repeated'; options?: { packed: boolean } };
const field = (type: string, id: number): Field => ({ type, id });
const repeated = (type: string, id: number): Field => ({ type, id, rule: 'repeated' });
// ONNX declares these repeated scalars without [packed = true]: write them unpacked, as onnx does.
const repeatedScalar = (type: string, id: number): Field => ({ type, id, rule: 'repeated', options: { packed: false } });

const schema = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: field('string', 1), value: field('string', 2) } },
        OperatorSetIdProto: { fields: { domain: field('string', 1), version: field('int64', 2) } },
        AttributeProto: {
          fields: {
            name: field('string', 1),
            f: field('float', 2),
            i: field('int64', 3),
            s: field('bytes', 4),
            t: field('TensorProto', 5),
            floats: repeatedScalar('float', 7),
            ints: repeatedScalar('int64', 8),
            strings: repeated('bytes', 9),
            docString: field('string', 13),
            type: field('int32', 20),
          },
        },
        TensorProto: {
          fields: {
            dims: repeatedScalar('int64', 1),
            dataType: field('int32', 2),
            name: field('string', 8),
            rawData: field('bytes', 9),
            docString: field('string', 12),
            externalData: repeated('StringStringEntryProto', 13),
            dataLocation: field('int32', 14),
          },
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            // dim_value and dim_param form a oneof in the spec: set exactly one.
            Dimension: { fields: { dimValue: field('int64', 1), dimParam: field('string', 2), denotation: field('string', 3) } },
          },
        },
        TypeProto: {
          fields: { tensorType: field('Tensor', 1), denotation: field('string', 6) },
          nested: { Tensor: { fields: { elemType: field('int32', 1), shape: field('TensorShapeProto', 2) } } },
        },
        ValueInfoProto: { fields: { name: field('string', 1), type: field('TypeProto', 2), docString: field('string', 3) } },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: field('string', 3),
            opType: field('string', 4),
            attribute: repeated('AttributeProto', 5),
            docString: field('string', 6),
            domain: field('string', 7),
          },
        },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: field('string', 2),
            initializer: repeated('TensorProto', 5),
            docString: field('string', 10),
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13),
          },
        },
        ModelProto: {
          fields: {
            irVersion: field('int64', 1),
            producerName: field('string', 2),
            producerVersion: field('string', 3),
            domain: field('string', 4),
            modelVersion: field('int64', 5),
            docString: field('string', 6),
            graph: field('GraphProto', 7),
            opsetImport: repeated('OperatorSetIdProto', 8),
            metadataProps: repeated('StringStringEntryProto', 14),
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(schema);

/** The ModelProto message type (encode / decode / toObject). */
export const ModelProto = root.lookupType('onnx.ModelProto');

/** A key/value pair (metadata_props, external_data). */
export interface OnnxStringEntry {
  key: string;
  value: string;
}

/** An attribute of a node (only the kinds the writer emits). */
export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
}

/** A node of the graph. */
export interface OnnxNode {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
}

/** A tensor: raw little-endian bytes inline, or a location in an external data file. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  dataLocation?: number;
  externalData?: OnnxStringEntry[];
}

/** One dimension: a fixed size or a named (dynamic) one. */
export type OnnxDimension = { dimValue: number } | { dimParam: string };

/** A graph input or output. */
export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape?: { dim: OnnxDimension[] } } };
}

/** The graph. */
export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}

/** The model, as encoded by `encodeOnnxModel` and returned by `decodeOnnxModel`. */
export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  opsetImport: { domain: string; version: number }[];
  graph: OnnxGraph;
  metadataProps: OnnxStringEntry[];
}

/**
 * ModelProto bytes of `model`.
 *
 * @example
 * writeFileSync('model.onnx', encodeOnnxModel(model));
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/**
 * Reads ModelProto bytes back (int64 as numbers, bytes as Buffers, missing repeated fields as []).
 *
 * @example
 * decodeOnnxModel(readFileSync('model.onnx')).metadataProps;
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Buffer, arrays: true }) as unknown as OnnxModel;
}
