/**
 * `MultilabelProbabilities`: a backbone followed by a sigmoid, what a
 * multi-label model's ONNX export writes, so the exported model outputs each
 * label's probability (and the export's parity check compares
 * probabilities). It shares the backbone's weights (the child is named
 * `backbone`, so the initializers keep the module's state-dict names) and is
 * never disposed on its own: the module owns the backbone.
 *
 * @example
 * await exportOnnx(new MultilabelProbabilities(module.backbone), { path, metadata });
 */
import type { Tensor } from '../torch/index.js';
import { Module } from '../torch/nn/index.js';

/** sigmoid(backbone(x)). */
export class MultilabelProbabilities extends Module {
  declare backbone: Module;

  constructor(backbone: Module) {
    super();
    this.registerModule('backbone', backbone);
    this.training = backbone.training;
  }

  forward(images: Tensor): Tensor {
    return this.backbone.forward(images).sigmoid();
  }
}
