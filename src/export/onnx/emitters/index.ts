/**
 * The table of ONNX emitters, keyed by module class: torch/nn's layers and
 * this project's models. A module takes its nearest class's emitter, so a
 * subclass needs none of its own unless its `forward` differs (then it
 * registers one; the export's parity check fails a graph that computes
 * something else). Another model family adds its own classes with
 * `registerOnnxEmitter` before exporting.
 *
 * @example
 * registerOnnxEmitter(SqueezeExcite, (se, x, ctx) => ctx.graph.addNode('Mul', [x, gate(se, x, ctx)], ctx.valueName()));
 */
import type { Module } from '../../../torch/nn/index.js';
import { onnxEmitterEntry } from '../emit-context.js';
import type { ModuleClass, OnnxEmitter } from '../emit-context.js';
import { convnextVitEmitters } from './convnext-vit.js';
import { efficientNetMobileNetEmitters } from './efficientnet-mobilenet.js';
import { layerEmitters } from './layers.js';
import { regnetEmitters } from './regnet.js';
import { modelEmitters } from './resnet.js';
import { swinEmitters } from './swin.js';
import { zooLayerEmitters } from './zoo-layers.js';

const table = new Map<ModuleClass, OnnxEmitter>([
  ...layerEmitters,
  ...zooLayerEmitters,
  ...modelEmitters,
  ...efficientNetMobileNetEmitters,
  ...regnetEmitters,
  ...convnextVitEmitters,
  ...swinEmitters,
]);

/** Every known module class and its emitter (a subclass without an entry takes its parent's). */
export const onnxEmitters: ReadonlyMap<ModuleClass, OnnxEmitter> = table;

/**
 * Adds (or replaces) the emitter of a module class.
 *
 * @example
 * registerOnnxEmitter(MyScale, (m, x, ctx) => ctx.graph.addNode('Mul', [x, ctx.initializer(m.scale, 'scale')], ctx.valueName()));
 */
export function registerOnnxEmitter<M extends Module>(moduleClass: ModuleClass<M>, emitter: OnnxEmitter<M>): void {
  table.set(...onnxEmitterEntry(moduleClass, emitter));
}
