/**
 * The activation layers the model zoo uses, with PyTorch's names: `GELU`,
 * `SiLU`, `Hardswish`, `Hardsigmoid`, `ReLU6` and `Sigmoid`. `inplace: true`
 * overwrites the input and returns it, as torchvision's MobileNets and
 * EfficientNets ask for.
 *
 * @example
 * new GELU().forward(x);
 * new Hardswish({ inplace: true }).forward(x);
 */
import { gelu, hardsigmoid, hardswish, sigmoid, silu } from '../ops/nn-functional.js';
import { run, runT } from '../ops/dispatch.js';
import type { Arg } from '../ops/dispatch.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** An elementwise activation that may overwrite its input (`inplace`), as PyTorch's do. */
abstract class InplaceActivation extends Module {
  readonly inplace: boolean;
  /** The in-place libtorch operator, e.g. 'aten::silu_'. */
  protected abstract readonly inplaceOp: string;
  /** Arguments of the in-place operator after the input. */
  protected readonly inplaceArgs: readonly Arg[] = [];

  constructor(options: { inplace?: boolean } = {}) {
    super();
    this.inplace = options.inplace ?? false;
  }

  protected abstract compute(x: Tensor): Tensor;

  forward(x: Tensor): Tensor {
    if (!this.inplace) return this.compute(x);
    const out = run(this.inplaceOp, '', [x, ...this.inplaceArgs]) as Tensor;
    if (out !== x) out.dispose();
    return x;
  }
}

/** `x * sigmoid(x)` (torch.nn.SiLU, EfficientNet's activation). */
export class SiLU extends InplaceActivation {
  protected readonly inplaceOp = 'aten::silu_';
  protected compute(x: Tensor): Tensor {
    return silu(x);
  }
}

/** `x * relu6(x + 3) / 6` (torch.nn.Hardswish, MobileNetV3's activation). */
export class Hardswish extends InplaceActivation {
  protected readonly inplaceOp = 'aten::hardswish_';
  protected compute(x: Tensor): Tensor {
    return hardswish(x);
  }
}

/** `relu6(x + 3) / 6` (torch.nn.Hardsigmoid, MobileNetV3's squeeze-excitation gate). */
export class Hardsigmoid extends InplaceActivation {
  protected readonly inplaceOp = 'aten::hardsigmoid_';
  protected compute(x: Tensor): Tensor {
    return hardsigmoid(x);
  }
}

/**
 * `min(max(x, 0), 6)` (torch.nn.ReLU6, MobileNetV2's activation), computed as
 * PyTorch computes it: hardtanh(x, 0, 6), whose gradient is 0 at both ends.
 * libtorch 1.13 has no bfloat16 hardtanh backward on CPU, so bfloat16 input
 * (bf16-mixed autocast) is clamped instead: the same values, and gradients
 * that differ only for inputs exactly 0 or 6.
 */
export class ReLU6 extends InplaceActivation {
  protected readonly inplaceOp = 'aten::hardtanh_';
  protected override readonly inplaceArgs: readonly Arg[] = [0, 6];
  protected compute(x: Tensor): Tensor {
    return runT('aten::hardtanh', '', [x, 0, 6]);
  }

  override forward(x: Tensor): Tensor {
    if (x.dtype !== 'bfloat16') return super.forward(x);
    if (!this.inplace) return runT('aten::clamp', '', [x, 0, 6]);
    const out = run('aten::clamp_', '', [x, 0, 6]) as Tensor;
    if (out !== x) out.dispose();
    return x;
  }
}

/** `1 / (1 + exp(-x))` (torch.nn.Sigmoid). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** The Gaussian error linear unit (torch.nn.GELU); `approximate: 'tanh'` uses the tanh form. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    this.approximate = options.approximate ?? 'none';
  }

  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
}
