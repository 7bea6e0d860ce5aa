/**
 * What every model of the zoo declares so fine-tuning and pretrained loading
 * work the same way for all families: its classification head, its first
 * layer's weight (summed to one channel for grayscale input) and its layer
 * groups from the input toward the head (timm's `group_matcher`, coarse:
 * the stem, then one group per stage or block). `groupOf` maps a parameter
 * name to its group; the head's parameters get the last index.
 *
 * @example
 * const layout = model.layout; // { head: ['fc'], stemWeight: 'conv1.weight', groups: [['conv1', 'bn1'], ['layer1'], ...] }
 * groupOf(layout, 'layer3.1.conv2.weight'); // 3
 */
import { ConfigError } from '../errors.js';
import type { Module } from '../torch/nn/index.js';
import { loadPretrained } from './pretrained.js';
import { pretrainedWeights, resolvePretrained } from './pretrained-weights.js';

/** A model's head, first layer and layer groups, by module name. */
export interface BackboneLayout {
  /** Module-name prefixes of the classification head (replaced or re-sized when fine-tuning), e.g. ['fc']. */
  readonly head: readonly string[];
  /** The first layer's weight [out, inChannels, kH, kW], e.g. 'conv1.weight'. */
  readonly stemWeight: string;
  /** Module-name prefixes per group, from the input toward the head; every parameter outside the head is in one. */
  readonly groups: readonly (readonly string[])[];
}

/**
 * Where Grad-CAM reads a model's activations: a module path and how its
 * output is laid out. 'nchw' is a feature map as is; 'nhwc' is permuted to
 * channels first (Swin); 'tokens' is [N, 1 + h·w, D] with a class token first,
 * dropped before the patches are reshaped to their square grid (ViT).
 *
 * @example
 * const layer: CamLayer = { path: 'layer4', layout: 'nchw' };
 */
export interface CamLayer {
  readonly path: string;
  readonly layout: 'nchw' | 'nhwc' | 'tokens';
}

/** A model of the zoo: a Module with its layout and the options that rebuild it. */
export interface Backbone extends Module {
  readonly layout: BackboneLayout;
  /** Grad-CAM's default target layer: the last convolutional stage, or the last block's norm for transformers. */
  readonly camLayer: CamLayer;
  readonly numClasses: number;
  /** The registry name and the options that rebuild the architecture (without weights), stored in checkpoints. */
  readonly modelInfo: { name: string; options: Record<string, unknown> } | null;
}

const under = (name: string, prefix: string): boolean => name === prefix || name.startsWith(`${prefix}.`);

/**
 * The group index of a parameter or buffer: 0 for the stem, increasing toward
 * the head, `layout.groups.length` for the head. A name outside every group
 * is a ConfigError (a layout that misses a layer is a bug in the model).
 *
 * @example
 * groupOf(resnet18().layout, 'fc.weight'); // 5
 */
export function groupOf(layout: BackboneLayout, name: string): number {
  if (layout.head.some((p) => under(name, p))) return layout.groups.length;
  const index = layout.groups.findIndex((group) => group.some((p) => under(name, p)));
  if (index < 0) throw new ConfigError(`groupOf: expected '${name}' in one of the model's layer groups, but it is in none`);
  return index;
}

/** Whether a parameter or buffer belongs to the head. @example isHead(model.layout, 'fc.bias'); // true */
export const isHead = (layout: BackboneLayout, name: string): boolean => layout.head.some((p) => under(name, p));

/** Options every zoo model takes for pretrained weights. */
export interface PretrainedOptions {
  /** A local `.pth` / `.safetensors` file, or a known id such as 'convnext_tiny.imagenet1k_v1'. */
  pretrained?: string;
  /** Where known ids are looked for first. */
  weightsDir?: string;
  /** Receives what loading adapted (default console.warn). */
  log?: (message: string) => void;
}

/**
 * Loads `options.pretrained` into a freshly built model, using its layout for
 * the head and the stem; disposes the model and rethrows when loading fails
 * (the caller never gets it, so nobody else could free it).
 *
 * @example
 * constructor(options) { super(); ...build...; applyPretrained(this, options); }
 */
export function applyPretrained(model: Backbone, options: PretrainedOptions & { inChannels?: number }): void {
  if (options.pretrained === undefined) return;
  const { pretrained, weightsDir, log = (message: string): void => console.warn(message) } = options;
  try {
    const path = Object.hasOwn(pretrainedWeights, pretrained) ? resolvePretrained(pretrained, { weightsDir }) : pretrained;
    const keys = model.namedParameters().map(([k]) => k);
    loadPretrained(model, path, {
      inChannels: options.inChannels,
      log,
      headKeys: keys.filter((k) => isHead(model.layout, k)),
      stemWeight: model.layout.stemWeight,
    });
  } catch (error) {
    model.dispose();
    throw error;
  }
}
