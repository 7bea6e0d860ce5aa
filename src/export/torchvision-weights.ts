/**
 * Weights for PyTorch: `exportTorchvisionWeights` writes a model's backbone
 * as safetensors under torchvision's key names (a ClassificationModule's
 * `backbone.` prefix stripped; non-persistent buffers such as `classWeights`
 * are not state and are left out), so that
 *
 * ```python
 * from safetensors.torch import load_file
 * model = torchvision.models.resnet50(num_classes=10)
 * model.load_state_dict(load_file('resnet50.safetensors'), strict=True)
 * ```
 *
 * works for the ImageNet stem with 3 channels. A ResNet built with
 * `stem: 'small'` (3x3 stride-1 conv1, no max-pool) or another `inChannels`
 * needs torchvision's model adapted first, with these two lines (for
 * `inChannels: 1`; `pytorchAdaptation(model)` gives the lines for any model):
 *
 * ```python
 * model.conv1 = torch.nn.Conv2d(1, 64, kernel_size=3, stride=1, padding=1, bias=False)
 * model.maxpool = torch.nn.Identity()
 * ```
 *
 * (the ImageNet stem with another channel count needs only the first, as
 * `torch.nn.Conv2d(C, 64, kernel_size=7, stride=2, padding=3, bias=False)`).
 * Another zoo model of another channel count gets its stem conv replaced the
 * same way (`stemAdaptation`); a ViT is built with the `image_size` recorded
 * in the file's metadata.
 *
 * @example
 * exportTorchvisionWeights(module, 'export/resnet18.safetensors').adaptation; // [] for the ImageNet stem, RGB
 */
import { SerializationError } from '../errors.js';
import { ClassificationModule } from '../models/classification-module.js';
import { RegNet } from '../models/regnet.js';
import { ResNet } from '../models/resnet.js';
import { VisionTransformer } from '../models/vision-transformer.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Module } from '../torch/nn/index.js';
import { saveSafetensors } from '../torch/serialization/safetensors.js';
import { stemAdaptation } from './stem-adaptation.js';

/** What was written. */
export interface TorchvisionWeightsResult {
  path: string;
  /** The keys written, in state-dict order. */
  keys: string[];
  /** Python lines to run on the torchvision model before loading (empty when none are needed). */
  adaptation: string[];
}

/** The backbone of a ClassificationModule, or the module itself. */
const backboneOf = (module: Module): Module => (module instanceof ClassificationModule ? module.backbone : module);

/**
 * The PyTorch lines that make `torchvision.models.resnetXX(num_classes=...)` (bound to `model`,
 * with `torch` imported) take this ResNet's weights: conv1 for the small stem or another channel
 * count, and the max-pool removed for the small stem; for another zoo model, its stem conv for
 * another channel count (`stemAdaptation`).
 *
 * @example
 * pytorchAdaptation(resnet18({ stem: 'small', inChannels: 1 }));
 * // ['model.conv1 = torch.nn.Conv2d(1, 64, kernel_size=3, stride=1, padding=1, bias=False)', 'model.maxpool = torch.nn.Identity()']
 */
export function pytorchAdaptation(module: Module): string[] {
  const model = backboneOf(module);
  if (!(model instanceof ResNet)) return stemAdaptation(model);
  if (model.stem === 'small') {
    return [
      `model.conv1 = torch.nn.Conv2d(${model.inChannels}, 64, kernel_size=3, stride=1, padding=1, bias=False)`,
      'model.maxpool = torch.nn.Identity()',
    ];
  }
  if (model.inChannels !== 3)
    return [`model.conv1 = torch.nn.Conv2d(${model.inChannels}, 64, kernel_size=7, stride=2, padding=3, bias=False)`];
  return [];
}

/**
 * Writes the backbone's state dict with torchvision's names to `path` (safetensors, atomically).
 *
 * @example
 * const { adaptation } = exportTorchvisionWeights(module, 'resnet18.safetensors');
 */
export function exportTorchvisionWeights(
  module: Module,
  path: string,
  options: { metadata?: Record<string, string> } = {},
): TorchvisionWeightsResult {
  const backbone = backboneOf(module);
  const record: Record<string, Tensor> = backbone.stateDict();
  const keys = Object.keys(record);
  try {
    if (keys.length === 0)
      throw new SerializationError(
        `exportTorchvisionWeights: expected a model with weights, but got ${backbone.constructor.name} with none`,
      );
    const adaptation = pytorchAdaptation(module);
    const metadata: Record<string, string> = { format: 'pt', ...options.metadata };
    if (backbone instanceof ResNet)
      Object.assign(metadata, { num_classes: String(backbone.numClasses), stem: backbone.stem, in_channels: String(backbone.inChannels) });
    else if (backbone instanceof RegNet)
      Object.assign(metadata, { num_classes: String(backbone.numClasses), in_channels: String(backbone.inChannels) });
    if (adaptation.length > 0) metadata.pytorch_adaptation = adaptation.join('\n');
    // torchvision builds a ViT for one input size: `vit_b_16(image_size=...)`.
    if (backbone instanceof VisionTransformer) metadata.image_size = String(backbone.imageSize);
    saveSafetensors(record, path, metadata);
    return { path, keys, adaptation };
  } finally {
    torch.dispose(Object.values(record));
  }
}
