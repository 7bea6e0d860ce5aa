/**
 * `MLP` (torchvision.ops.MLP): Linear → [norm] → activation → Dropout for
 * each hidden size but the last, then Linear → Dropout; a Sequential with
 * torchvision's child numbering, so `mlp.0.weight` and `mlp.3.bias` load
 * from torchvision's Swin and ViT files.
 *
 * @example
 * new MLP(96, [384, 96], { activationLayer: () => new GELU(), dropout: 0 });
 */
import { Dropout, Linear, ReLU, Sequential } from '../../torch/nn/index.js';
import type { Module } from '../../torch/nn/index.js';

/** Options of `MLP` (torchvision's defaults: no norm, ReLU, bias, no dropout). */
export interface MLPOptions {
  normLayer?: ((features: number) => Module) | null;
  activationLayer?: () => Module;
  bias?: boolean;
  dropout?: number;
}

/** A multi-layer perceptron over the last dimension. */
export class MLP extends Sequential {
  constructor(inChannels: number, hiddenChannels: readonly number[], options: MLPOptions = {}) {
    if (hiddenChannels.length === 0) throw new TypeError('MLP: expected at least one hidden size, but got none');
    const { normLayer = null, bias = true, dropout = 0 } = options;
    const activationLayer = options.activationLayer ?? ((): Module => new ReLU());
    const layers: Module[] = [];
    let inDim = inChannels;
    for (const hidden of hiddenChannels.slice(0, -1)) {
      layers.push(new Linear(inDim, hidden, { bias }));
      if (normLayer !== null) layers.push(normLayer(hidden));
      layers.push(activationLayer(), new Dropout({ p: dropout }));
      inDim = hidden;
    }
    layers.push(new Linear(inDim, hiddenChannels.at(-1)!, { bias }), new Dropout({ p: dropout }));
    super(...layers);
  }
}
