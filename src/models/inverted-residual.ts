/**
 * What the inverted-residual blocks of the MobileNets and EfficientNets
 * share: a branch (a Sequential child, `block` or `conv` as torchvision names
 * it) and, when the block keeps its shape (stride 1, same channels), the
 * input added back, after the branch's stochastic depth where there is one.
 * The branch runs layer by layer (`leafSteps`), so each activation can be
 * released as soon as the next layer has read it.
 *
 * Sandler, Howard, Zhu, Zhmoginov, Chen, "MobileNetV2: Inverted Residuals and
 * Linear Bottlenecks", CVPR 2018.
 *
 * @example
 * class MyBlock extends InvertedResidualBlock { get branch() { return this.conv; } }
 */
import type { Tensor } from '../torch/index.js';
import { Module, Sequential } from '../torch/nn/index.js';
import type { StochasticDepth } from '../torch/nn/index.js';
import { runSteps } from './forward-steps.js';
import type { ForwardStep } from './forward-steps.js';

/**
 * `steps` with every Sequential replaced by its children, recursively, so
 * `runSteps` releases each leaf layer's output (a Conv2dNormActivation runs
 * as conv, norm, activation).
 *
 * @example
 * runSteps(x, leafSteps([model.features, model.avgpool, 'flatten']));
 */
export function leafSteps(steps: readonly ForwardStep[]): ForwardStep[] {
  return steps.flatMap((step) => (step instanceof Sequential ? leafSteps([...step.children()]) : [step]));
}

/** An inverted-residual block: `branch(x)`, plus `x` when `useResConnect`. */
export abstract class InvertedResidualBlock extends Module {
  /** Whether the input is added back (stride 1 and as many output channels as input channels). */
  readonly useResConnect: boolean;

  constructor(useResConnect: boolean) {
    super();
    this.useResConnect = useResConnect;
  }

  /** The block's layers (torchvision's `block` or `conv`). */
  abstract get branch(): Sequential;

  /** Stochastic depth on the branch before the sum (EfficientNet), or null. */
  get drop(): StochasticDepth | null {
    return null;
  }

  forward(x: Tensor): Tensor {
    const out = runSteps(x, leafSteps([this.branch]));
    if (!this.useResConnect) return out;
    const dropped = this.drop === null ? out : this.drop.forward(out);
    if (dropped !== out) out.dispose();
    return dropped.add_(x);
  }
}
