/**
 * The initialisation torchvision's MobileNets and EfficientNets share, in
 * module order (so one seed draws torchvision's values): kaiming_normal_
 * (fan_out) for conv weights, zero conv biases, BatchNorm weight 1 and
 * bias 0, and a family-specific draw for each Linear's weight with a zero
 * bias (MobileNets: N(0, 0.01²); EfficientNets: U(±1/√out)).
 *
 * @example
 * mobileInit(this, (weight) => init.normal_(weight, 0, 0.01));
 */
import { BatchNorm2d, Conv2d, Linear, init } from '../torch/nn/index.js';
import type { Module } from '../torch/nn/index.js';
import type { Tensor } from '../torch/index.js';

/** Initialises every conv, BatchNorm and Linear under `model`; `linearWeight` fills each Linear's weight. */
export function mobileInit(model: Module, linearWeight: (weight: Tensor, layer: Linear) => void): void {
  for (const m of model.modules()) {
    if (m instanceof Conv2d) {
      init.kaimingNormal_(m.weight, { mode: 'fanOut' });
      if (m.bias !== null) init.zeros_(m.bias);
    } else if (m instanceof BatchNorm2d && m.weight !== null && m.bias !== null) {
      init.ones_(m.weight);
      init.zeros_(m.bias);
    } else if (m instanceof Linear) {
      linearWeight(m.weight, m);
      if (m.bias !== null) init.zeros_(m.bias);
    }
  }
}

/**
 * Layer groups for a `features` Sequential of [stem, blocks..., head conv]:
 * the stem, then a new group at each block that downsamples (`strides[i]` of
 * block i is 2), then the head conv — one group per resolution.
 *
 * @example
 * stageGroups(17, [1, 2, 1, 2, ...]); // [['features.0'], ['features.1'], ['features.2', 'features.3'], ..., ['features.18']]
 */
export function stageGroups(blockStrides: readonly number[]): string[][] {
  const groups: string[][] = [['features.0']];
  blockStrides.forEach((stride, i) => {
    if (i === 0 || stride > 1) groups.push([]);
    groups.at(-1)!.push(`features.${i + 1}`);
  });
  groups.push([`features.${blockStrides.length + 1}`]);
  return groups;
}
