/**
 * The table of ONNX emitters, keyed by module class: torch/nn's layers and
 * this project's models. Another model family adds its own classes with
 * `registerOnnxEmitter` before exporting.
 *
 * @example
 * registerOnnxEmitter(SqueezeExcite, (se, x, ctx) => ctx.graph.addNode('Mul', [x, gate(se, x, ctx)], ctx.valueName()));
 */
import type { Module } from '../../../torch/nn/index.js';
import type { ModuleClass, OnnxEmitter } from '../emit-context.js';
import { layerEmitters } from './layers.js';
import { modelEmitters } from './resnet.js';

const table = new Map<ModuleClass, OnnxEmitter>([...layerEmitters, ...modelEmitters]);

/** Every known module class and its emitter (exact class match). */
export const onnxEmitters: ReadonlyMap<ModuleClass, OnnxEmitter> = table;

/**
 * Adds (or replaces) the emitter of a module class.
 *
 * @example
 * registerOnnxEmitter(MyScale, (m, x, ctx) => ctx.graph.addNode('Mul', [x, ctx.initializer(m.scale, 'scale')], ctx.valueName()));
 */
export function registerOnnxEmitter<M extends Module>(moduleClass: ModuleClass<M>, emitter: OnnxEmitter<M>): void {
  table.set(moduleClass, emitter as OnnxEmitter);
}
