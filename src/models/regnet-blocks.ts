/**
 * RegNet's building blocks, as torchvision 0.14 builds them (same layers,
 * names and construction order, so the same seed draws the same initial
 * weights): `SimpleStemIN` (3x3 stride-2 conv, BN, ReLU), `BottleneckTransform`
 * (1x1, grouped 3x3, squeeze-excitation for RegNetY, 1x1, children `a`, `b`,
 * `se`, `c`), `ResBottleneckBlock` (x or proj(x), plus f(x), then ReLU) and
 * `AnyStage` (blocks named `block<stage>-<i>`); and `regnetBlockParams`, the
 * per-stage widths, depths and group widths torchvision's
 * `BlockParams.from_init_params` derives from the RegNet parameters.
 *
 * Radosavovic, Kosaraju, Girshick, He, Dollár, "Designing Network Design Spaces", CVPR 2020.
 *
 * @example
 * regnetBlockParams({ depth: 16, w0: 48, wa: 27.89, wm: 2.09, groupWidth: 8, seRatio: 0.25 }).widths; // [48, 104, 208, 440]
 */
import { ConfigError } from '../errors.js';
import { Module, ReLU, Sequential } from '../torch/nn/index.js';
import type { Tensor } from '../torch/index.js';
import { runSteps } from './forward-steps.js';
import { Conv2dNormActivation } from './layers/conv-norm-activation.js';
import { SqueezeExcitation } from './layers/squeeze-excitation.js';

/** The RegNet design parameters (torchvision's `from_init_params` arguments). */
export interface RegNetParams {
  depth: number;
  /** Initial width. */
  w0: number;
  /** Width slope. */
  wa: number;
  /** Width multiplier between stages (in log space). */
  wm: number;
  groupWidth: number;
  bottleneckMultiplier?: number;
  /** Squeeze-excitation ratio relative to a block's input width (RegNetY: 0.25); absent for RegNetX. */
  seRatio?: number;
}

/** Per-stage settings of a RegNet. */
export interface RegNetBlockParams {
  depths: number[];
  widths: number[];
  groupWidths: number[];
  bottleneckMultipliers: number[];
  strides: number[];
  seRatio?: number;
}

const f32 = Math.fround;

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** torchvision's `_make_divisible(v, divisor)`: the nearest multiple, never 10% below `v`. */
export function makeDivisible(v: number, divisor: number, minValue = divisor): number {
  const rounded = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

/**
 * The per-block widths, quantised to multiples of 8, in float32 as torchvision
 * computes them with torch tensors: float64 gives the same widths for the
 * published models, but other settings near a rounding boundary could differ.
 */
function blockWidths({ depth, w0, wa, wm }: RegNetParams): number[] {
  const logWm = f32(Math.log(wm));
  return Array.from({ length: depth }, (_, i) => {
    const cont = f32(f32(i * f32(wa)) + w0);
    const capacity = roundHalfEven(f32(f32(Math.log(f32(cont / w0))) / logWm));
    const width = f32(w0 * f32(Math.pow(f32(wm), capacity)));
    return roundHalfEven(f32(width / 8)) * 8;
  });
}

/**
 * torchvision's `BlockParams.from_init_params`: stages where the block width
 * changes, every stage stride 2, widths adjusted so groups divide them.
 *
 * @example
 * regnetBlockParams({ depth: 22, w0: 24, wa: 24.48, wm: 2.54, groupWidth: 16 }).depths; // [1, 2, 7, 12]
 */
export function regnetBlockParams(params: RegNetParams): RegNetBlockParams {
  const { depth, w0, wa, wm, groupWidth, bottleneckMultiplier = 1, seRatio } = params;
  if (wa < 0 || w0 <= 0 || wm <= 1 || w0 % 8 !== 0 || !Number.isInteger(depth) || depth < 1)
    throw new ConfigError(`RegNet: expected depth >= 1, wa >= 0, w0 > 0 and a multiple of 8, wm > 1, but got ${JSON.stringify(params)}`);
  const widths = blockWidths(params);
  const stageWidths: number[] = [];
  const depths: number[] = [];
  widths.forEach((w, i) => {
    if (i === 0 || w !== widths[i - 1]) {
      stageWidths.push(w);
      depths.push(0);
    }
    depths[depths.length - 1] += 1;
  });
  const bottleneckMultipliers = stageWidths.map(() => bottleneckMultiplier);
  const bottleneckWidths = stageWidths.map((w) => Math.trunc(w * bottleneckMultiplier));
  const groupWidths = bottleneckWidths.map((w) => Math.min(groupWidth, w));
  const adjusted = bottleneckWidths.map((w, i) => Math.trunc(makeDivisible(w, groupWidths[i]) / bottleneckMultiplier));
  return { depths, widths: adjusted, groupWidths, bottleneckMultipliers, strides: stageWidths.map(() => 2), seRatio };
}

/** The leaf layers of nested Sequentials, in forward order (so `runSteps` frees each activation). */
export const leafSteps = (m: Module): Module[] => (m instanceof Sequential ? [...m.children()].flatMap(leafSteps) : [m]);

/** RegNet's stem: 3x3 stride-2 conv, BatchNorm, ReLU. */
export class SimpleStemIN extends Conv2dNormActivation {
  constructor(widthIn: number, widthOut: number) {
    super(widthIn, widthOut, { kernelSize: 3, stride: 2 });
  }

  override forward(x: Tensor): Tensor {
    return runSteps(x, leafSteps(this));
  }
}

/** Settings of one residual bottleneck block. */
export interface ResBottleneckBlockOptions {
  widthIn: number;
  widthOut: number;
  stride: number;
  groupWidth: number;
  bottleneckMultiplier: number;
  seRatio?: number;
}

/** 1x1, grouped 3x3 [+ squeeze-excitation], 1x1 (no activation after the last). */
export class BottleneckTransform extends Sequential {
  constructor(options: ResBottleneckBlockOptions) {
    super();
    const { widthIn, widthOut, stride, groupWidth, bottleneckMultiplier, seRatio } = options;
    const wB = roundHalfEven(widthOut * bottleneckMultiplier);
    this.registerModule('a', new Conv2dNormActivation(widthIn, wB, { kernelSize: 1 }));
    this.registerModule('b', new Conv2dNormActivation(wB, wB, { kernelSize: 3, stride, groups: Math.floor(wB / groupWidth) }));
    // The squeeze width is relative to the block's input, as in the paper.
    if (seRatio) this.registerModule('se', new SqueezeExcitation(wB, roundHalfEven(seRatio * widthIn)));
    this.registerModule('c', new Conv2dNormActivation(wB, widthOut, { kernelSize: 1, activationLayer: null }));
  }

  override forward(x: Tensor): Tensor {
    return runSteps(x, leafSteps(this));
  }
}

/** x + f(x), with x projected (1x1 conv, BN) when the width or the stride changes, then ReLU. */
export class ResBottleneckBlock extends Module {
  declare proj: Conv2dNormActivation | null;
  declare f: BottleneckTransform;
  declare activation: ReLU;

  constructor(options: ResBottleneckBlockOptions) {
    super();
    const { widthIn, widthOut, stride } = options;
    const project = widthIn !== widthOut || stride !== 1;
    this.registerModule(
      'proj',
      project ? new Conv2dNormActivation(widthIn, widthOut, { kernelSize: 1, stride, activationLayer: null }) : null,
    );
    this.registerModule('f', new BottleneckTransform(options));
    this.registerModule('activation', new ReLU({ inplace: true }));
  }

  forward(x: Tensor): Tensor {
    const out = this.f.forward(x);
    const identity = this.proj === null ? x : runSteps(x, leafSteps(this.proj));
    out.add_(identity);
    if (identity !== x) identity.dispose();
    return this.activation.forward(out);
  }
}

/** A stage: `depth` blocks of the same output width, the first one strided, named `block<stageIndex>-<i>`. */
export class AnyStage extends Sequential {
  constructor(options: ResBottleneckBlockOptions & { depth: number; stageIndex: number }) {
    super();
    const { depth, stageIndex, ...block } = options;
    for (let i = 0; i < depth; i++) {
      const first = i === 0;
      this.registerModule(
        `block${stageIndex}-${i}`,
        new ResBottleneckBlock({ ...block, widthIn: first ? block.widthIn : block.widthOut, stride: first ? block.stride : 1 }),
      );
    }
  }

  override forward(x: Tensor): Tensor {
    return runSteps(x, [...this.children()]);
  }
}
