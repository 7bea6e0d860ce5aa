/**
 * The PyTorch line that gives a torchvision zoo model another input channel
 * count: its first conv (the layout's `stemWeight`) replaced by a Conv2d of
 * the same geometry taking `inChannels`, e.g. for a 1-channel EfficientNet
 * `model.features[0][0] = torch.nn.Conv2d(1, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)`.
 * Numbered children are indexed as PyTorch indexes a Sequential.
 *
 * @example
 * stemAdaptation(efficientnetB0({ inChannels: 1 })); // ['model.features[0][0] = torch.nn.Conv2d(1, 32, ...)']
 */
import type { BackboneLayout } from '../models/backbone.js';
import { Conv2d } from '../torch/nn/index.js';
import type { Module } from '../torch/nn/index.js';

const pair = (p: readonly [number, number]): string => `(${p[0]}, ${p[1]})`;

/** The adaptation lines for a model with a layout whose stem conv does not take 3 channels; [] otherwise. */
export function stemAdaptation(model: Module): string[] {
  const layout = (model as { layout?: BackboneLayout }).layout;
  if (layout === undefined) return [];
  const path = layout.stemWeight.replace(/\.weight$/, '');
  const conv = [...model.namedModules()].find(([name]) => name === path)?.[1];
  if (!(conv instanceof Conv2d) || conv.inChannels === 3) return [];
  const target = `model${path
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')}`;
  const padding = typeof conv.padding === 'string' ? `'${conv.padding}'` : pair(conv.padding);
  const options = [
    `kernel_size=${pair(conv.kernelSize)}`,
    `stride=${pair(conv.stride)}`,
    `padding=${padding}`,
    ...(conv.dilation[0] !== 1 || conv.dilation[1] !== 1 ? [`dilation=${pair(conv.dilation)}`] : []),
    ...(conv.groups !== 1 ? [`groups=${conv.groups}`] : []),
    `bias=${conv.bias === null ? 'False' : 'True'}`,
  ];
  return [`${target} = torch.nn.Conv2d(${conv.inChannels}, ${conv.outChannels}, ${options.join(', ')})`];
}
