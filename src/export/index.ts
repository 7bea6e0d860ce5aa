/**
 * `export`: the ONNX writer with its export-time parity check, and weights
 * for PyTorch under torchvision's names.
 *
 * @example
 * import { exportOnnx, exportTorchvisionWeights } from './export/index.js';
 * await exportOnnx(module, { path: 'export/model.onnx', metadata, foldBatchNorm: true });
 * exportTorchvisionWeights(module, 'export/resnet18.safetensors');
 */
export { exportOnnx } from './onnx/export-onnx.js';
export type { ExportOnnxOptions, ExportOnnxResult } from './onnx/export-onnx.js';
export { checkOnnxParity } from './onnx/check-onnx-parity.js';
export type { OnnxParityOptions, OnnxParityResult } from './onnx/check-onnx-parity.js';
export { buildOnnxModel, INPUT_NAME, OUTPUT_NAME, OPSET, IR_VERSION } from './onnx/build-onnx-model.js';
export { parseOnnxMetadata, metadataProps, labelsMappingOf } from './onnx/metadata.js';
export type { OnnxExportMetadata } from './onnx/metadata.js';
export { decodeOnnxModel, encodeOnnxModel } from './onnx/onnx-proto.js';
export { registerOnnxEmitter, onnxEmitters } from './onnx/emitters/index.js';
export type { OnnxEmitter, EmitContext, ModuleClass } from './onnx/emit-context.js';
export { exportTorchvisionWeights, pytorchAdaptation } from './torchvision-weights.js';
export { Predictor } from './predictor.js';
export { moduleFromOnnx } from './module-from-onnx.js';
export type { PredictorOptions, ImagePrediction, PredictionFailure, ClassScore } from './predictor.js';
export { libtorchLogits, nativeBf16, resolveInferencePrecision, inferencePrecisions } from './libtorch-logits.js';
export type { InferencePrecision } from './libtorch-logits.js';
export type { TorchvisionWeightsResult } from './torchvision-weights.js';
